"""Teams are data: a membership row grants the matching guardian object permissions."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from core.models import SecurityEvent, TeamMember

ROLE_ACTIONS = {
    TeamMember.Role.LEAD: ("view", "change", "delete", "manage"),
    TeamMember.Role.EDITOR: ("view", "change"),
    TeamMember.Role.VIEWER: ("view",),
}


def _perm(record, action):
    return f"{record._meta.app_label}.{action}_{record._meta.model_name}"


def _sync(record, user, role):
    wanted = set(ROLE_ACTIONS.get(role, ()))
    for action in ("view", "change", "delete", "manage"):
        if action in wanted:
            assign_perm(_perm(record, action), user, record)
        else:
            remove_perm(_perm(record, action), user, record)


def members(record):
    return TeamMember.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    ).select_related("user")


@transaction.atomic
def set_member(record, user, role, by=None):
    """Add `user` to the record's team with `role`, or change their role."""
    from core.auth import record_event

    member, _ = TeamMember.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        user=user,
        defaults={"role": role},
    )
    _sync(record, user, role)
    record_event(
        SecurityEvent.Kind.PERMISSION_CHANGE,
        user=by,
        target=user.get_username(),
        record=f"{record._meta.label}:{record.pk}",
        role=role,
    )
    return member


@transaction.atomic
def remove_member(record, user, by=None):
    """Take `user` off the record's team and revoke what the team granted."""
    from core.auth import record_event

    members(record).filter(user=user).delete()
    _sync(record, user, None)
    record_event(
        SecurityEvent.Kind.PERMISSION_CHANGE,
        user=by,
        target=user.get_username(),
        record=f"{record._meta.label}:{record.pk}",
        role="removed",
    )
