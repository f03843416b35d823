"""History for links that live outside the agreement's own columns (programs, M2M)."""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from agreements.models import Agreement, CoordinatingOffice
from core.history import ref
from programs.models import Program


@receiver(m2m_changed, sender=Agreement.programs.through)
def audit_program_links(sender, instance, action, reverse, pk_set, **kwargs):
    """Record linking and unlinking programs on the agreement's History tab, as references
    to the programs (their codes are resolved for each reader, see core.history)."""
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    agreements = Agreement.objects.filter(pk__in=pk_set) if reverse else [instance]
    program_ids = [instance.pk] if reverse else sorted(pk_set)
    links = [ref(Program, pk) for pk in program_ids]
    before, after = (None, links) if action == "post_add" else (links, None)
    key = "programs linked" if action == "post_add" else "programs unlinked"
    for agreement in agreements:
        agreement._audit_write("update", {key: [before, after]})


@receiver(m2m_changed, sender=CoordinatingOffice.members.through)
def audit_office_members(sender, instance, action, reverse, pk_set, **kwargs):
    """Record who was added to or removed from a coordinating office (they then see the
    agreements it is asked about): on the office's history, as references to the users."""
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    user_model = get_user_model()
    offices = CoordinatingOffice.objects.filter(pk__in=pk_set) if reverse else [instance]
    user_ids = [instance.pk] if reverse else sorted(pk_set)
    people = [ref(user_model, pk) for pk in user_ids]
    before, after = (None, people) if action == "post_add" else (people, None)
    key = "members added" if action == "post_add" else "members removed"
    for office in offices:
        office._audit_write("update", {key: [before, after]})
