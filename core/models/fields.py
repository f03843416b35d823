"""Field declarations that several core models share."""

from django.conf import settings
from django.db import models


def user_link(**options):
    """The user who did something (signed in, changed, revoked, started): optional, emptied
    rather than deleted when the user is deleted, and with no reverse accessor unless a
    `related_name` is given."""
    options.setdefault("related_name", "+")
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, **options
    )
