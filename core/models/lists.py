"""What a user keeps of a list: saved views (filters, sort, columns) and chosen columns."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SavedView(models.Model):
    """A named list view (filters, sort, columns) kept for its owner or shared with a group."""

    name = models.CharField(max_length=100)
    list_key = models.CharField(max_length=60, help_text="which list, e.g. programs.program")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    shared_with = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Members of this group can use the view too.",
    )
    query = models.CharField(max_length=2000, blank=True, help_text="filters, sort, page size")
    columns = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "list_key", "name"], name="saved_view_unique")
        ]

    def __str__(self):
        return self.name


class TablePreference(models.Model):
    """The columns a user last chose for a list; remembered across sessions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="table_preferences"
    )
    list_key = models.CharField(max_length=60)
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key"], name="table_preference_unique")
        ]

    def __str__(self):
        return f"{self.user} · {self.list_key}"
