"""Abstract bases the domain apps' models share.

They declare behaviour, not fields: a field declared here would come before each model's
own fields, and so change the order of its forms, exports and API output.
"""

from core.audit import AuditedModel


class ChildRecord(AuditedModel):
    """A record that belongs to another (a program's partner, a meeting's agenda item) and
    follows its permissions, history and page; `permission_parent` names the field."""

    permission_parent = None

    class Meta:
        abstract = True

    @property
    def parent_record(self):
        return getattr(self, self.permission_parent)

    def audit_root(self):
        # A meeting's children show on the forum's history, where the meeting's own do.
        return self.parent_record.audit_root()

    def get_absolute_url(self):
        return self.parent_record.get_absolute_url()
