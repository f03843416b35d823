"""The data-quality audit (core.quality): its runs and what they found."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from core.models.fields import user_link


class DataQualityRun(models.Model):
    """One run of the data-quality audit (core.quality): when, how long, what it found.

    The page and the packets read the findings of the last finished run; a run replaces
    the previous run's findings in one transaction when it finishes, so a reader never
    sees half a run. At most one run is running at a time (a partial unique index).
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(
        default=timezone.now, help_text="written after each batch while the run works"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_by = user_link(help_text="empty for the nightly run")
    records_checked = models.PositiveIntegerField(default=0)
    findings_count = models.PositiveIntegerField("findings", default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [("run_dataqualityrun", "Start a data-quality audit")]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="running"),
                name="data_quality_one_running",
            )
        ]

    def __str__(self):
        return f"Data-quality run {self.started_at:%Y-%m-%d %H:%M} UTC ({self.status})"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class DataQualityFinding(models.Model):
    """A stored record that breaks a rule, found by the audit.

    The record is a reference (content type and id), shown through restrict() for
    whoever reads: a finding on a record the reader may not see is not shown or counted.
    `message` is the rule's own words about this record; it never names another record.
    """

    run = models.ForeignKey(DataQualityRun, on_delete=models.CASCADE, related_name="findings")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    root_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    root_id = models.PositiveBigIntegerField()
    field = models.CharField(max_length=100, blank=True, help_text="empty: the whole record")
    rule = models.CharField(max_length=150, db_index=True, help_text="e.g. programs.program.code")
    message = models.TextField()
    owner = user_link(related_name="data_quality_findings")
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rule", "content_type", "object_id", "field"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["root_type", "root_id"]),
            models.Index(fields=["owner", "rule"]),
        ]

    def __str__(self):
        return f"{self.rule} on {self.content_type.model} {self.object_id}"
