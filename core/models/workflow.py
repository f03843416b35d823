"""The lifecycle timeline of records that move through a workflow (core.workflow)."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from core.models.fields import user_link


class TransitionLog(models.Model):
    """One step of a record's lifecycle (agreements, TSFD requests): the timeline."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    name = models.CharField(max_length=60, help_text="the transition's name")
    source = models.CharField(max_length=40)
    target = models.CharField(max_length=40)
    user = user_link()
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self):
        return f"{self.source} → {self.target}"
