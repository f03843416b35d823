"""Security events for role changes made anywhere (admin site, shell, API)."""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from core.models import SecurityEvent


@receiver(m2m_changed, sender=get_user_model().groups.through)
def on_role_change(sender, instance, action, pk_set, reverse, **kwargs):
    if action not in ("post_add", "post_remove") or reverse or not pk_set:
        return
    from django.contrib.auth.models import Group

    from core.auth import record_event

    names = sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    record_event(
        SecurityEvent.Kind.ROLE_CHANGE,
        user=instance,
        change="added" if action == "post_add" else "removed",
        roles=names,
    )
