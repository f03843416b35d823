"""Teams: who has which role on a record (core.teams turns it into permissions)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class TeamMember(models.Model):
    """A user's role on a record's team (program, agreement, forum...).

    Saving or deleting a membership grants or revokes django-guardian object
    permissions on the record (see core.teams); the rows here are the truth.
    """

    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        EDITOR = "editor", "Editor"
        VIEWER = "viewer", "Viewer"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"], name="team_member_unique"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.user.get_full_name() or self.user} ({self.get_role_display()})"

    @property
    def record(self):
        return self.content_type.get_object_for_this_type(pk=self.object_id)
