"""History for a DDL's countries: many-to-many changes never pass through save()."""

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from tsfd.models import DelegationLetter


@receiver(m2m_changed, sender=DelegationLetter.countries.through)
def audit_ddl_countries(sender, instance, action, reverse, pk_set, **kwargs):
    """One update row per change, with the country codes before and after (countries are
    reference data every role may read, so their codes are safe to keep as text)."""
    if reverse:
        return
    if action.startswith("pre_"):
        instance._countries_before = sorted(instance.countries.values_list("iso3", flat=True))
    elif action.startswith("post_") and hasattr(instance, "_countries_before"):
        before = instance.__dict__.pop("_countries_before")
        after = sorted(instance.countries.values_list("iso3", flat=True))
        if before != after:
            instance._audit_write("update", {"countries": [", ".join(before), ", ".join(after)]})
