"""What the domain apps' models share: abstract bases and helpers.

The bases declare behaviour, not fields: a field declared here would come before each model's
own fields, and so change the order of its forms, exports and API output.
"""

from django.core.exceptions import ValidationError
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.models.audit import AuditedModel


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


def object_permission_models(model):
    """The two django-guardian tables of direct per-object permissions on `model`:
    <Model>UserObjectPermission and <Model>GroupObjectPermission, declared in the
    model's own module (guardian finds them through their foreign key to `model`)."""

    def declare(base, suffix):
        attrs = {
            "__module__": model.__module__,
            "content_object": models.ForeignKey(model, on_delete=models.CASCADE),
        }
        return type(f"{model.__name__}{suffix}", (base,), attrs)

    return (
        declare(UserObjectPermissionBase, "UserObjectPermission"),
        declare(GroupObjectPermissionBase, "GroupObjectPermission"),
    )


def check_organization_in_country(record, message="The organization is not in this country."):
    """The rule of a record that names a country and one of its organizations."""
    if (
        record.organization_id
        and record.country_id
        and record.organization.country_id != record.country_id
    ):
        raise ValidationError({"organization": message})
