"""History for a forum's countries when they change outside the forum form and API
(the admin site, a shell, a script): many-to-many changes never pass through save()."""

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from fora.models import Forum


@receiver(m2m_changed, sender=Forum.countries.through)
def audit_country_changes(sender, instance, action, reverse, **kwargs):
    # The form and the API record one before/after row themselves (they set the flag);
    # changes made from the country's side are not a forum edit.
    if reverse or getattr(instance, "_countries_audited_by_caller", False):
        return
    if action.startswith("pre_"):
        instance._countries_before = list(instance.countries.values_list("iso3", flat=True))
    elif action.startswith("post_") and hasattr(instance, "_countries_before"):
        instance.record_countries_change(instance.__dict__.pop("_countries_before"))
