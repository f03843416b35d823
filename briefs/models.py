"""Briefing packets: PDF briefs rendered in the background, one row per request.

A packet is a job (DESIGN §5): it has a status, a progress percentage and step, timings,
and an error in plain words. The PDF is stored through Django's storage API, so local
disk and S3-compatible storage work by configuration alone.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from core.models.bases import object_permission_models


def packet_path(packet, filename):
    # One name per packet: re-running the task rewrites the same file.
    return f"briefs/packet-{packet.pk}.pdf"


class Packet(models.Model):
    """A briefing packet someone asked for: what, for whom, and how far along it is."""

    class Kind(models.TextChoices):
        PROGRAM = "program", "Program brief"
        COUNTRY = "country", "Country brief"
        FORUM = "forum", "Forum read-ahead"
        LEADERSHIP = "leadership", "Leadership packet"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="packets"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    title = models.CharField(max_length=200)
    parameters = models.JSONField(
        default=dict,
        blank=True,
        help_text="programs (ids), country (ISO alpha-3), forum (id), query or view "
        "(the programs filter of a leadership packet).",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent")
    step = models.CharField(max_length=200, blank=True, help_text="e.g. “program 12 of 40”")
    queued_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="the last sign of life from the worker rendering it"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    run_token = models.CharField(
        max_length=32, blank=True, editable=False, help_text="the run that owns the packet"
    )
    pages = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField("size (bytes)", null=True, blank=True)
    file = models.FileField(upload_to=packet_path, blank=True, max_length=300)
    marking = models.CharField("highest marking", max_length=200, blank=True)
    data_as_of = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="what went wrong, in plain words")
    subscription = models.ForeignKey(
        "Subscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="packets",
        help_text="the weekly subscription that asked for it; its requester is told when done",
    )

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-queued_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("briefs:detail", args=[self.pk])

    @classmethod
    def visibility_q(cls, user, action):
        # A packet belongs to whoever asked for it; Portal Admin sees all through its role.
        if action in ("view", "change", "delete"):
            return Q(requested_by=user)
        return None

    @property
    def is_active(self):
        return self.status in self.ACTIVE

    @property
    def can_cancel(self):
        return self.status in self.ACTIVE

    @property
    def can_rerun(self):
        return self.status in self.FINISHED

    @property
    def is_downloadable(self):
        return self.status == self.Status.DONE and bool(self.file)

    @property
    def duration(self):
        """How long the last run took (or has taken so far)."""
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        return end - self.started_at

    @property
    def download_name(self):
        stamp = (self.data_as_of or self.queued_at).strftime("%Y-%m-%d")
        return f"{slugify(self.title)[:80] or 'brief'}-{stamp}.pdf"


PacketUserObjectPermission, PacketGroupObjectPermission = object_permission_models(Packet)


class Subscription(models.Model):
    """A weekly leadership packet: on its weekday the portal asks for it on the user's
    behalf (covering what the user may see that day) and notifies them when it is ready."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="packet_subscription"
    )
    title = models.CharField(max_length=200)
    parameters = models.JSONField(
        default=dict, blank=True, help_text="the leadership packet's selection (view or query)"
    )
    weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY, db_index=True
    )
    last_sent_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.title}, every {self.get_weekday_display()}"


@receiver(post_delete, sender=Packet)
def delete_packet_file(sender, instance, **kwargs):
    """A deleted packet (its own delete, its requester's, retention) takes its PDF along."""
    if instance.file:
        instance.file.storage.delete(instance.file.name)
