"""Documents: files attached to any record (checked and stored by core.documents)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.documents import document_path, validate_upload
from core.models.audit import AuditedModel
from core.models.markings import MarkedModel


class Document(MarkedModel, AuditedModel):
    """A file attached to any record; its visibility is its record's."""

    class Kind(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed text"
        BRIEFING = "briefing", "Briefing"
        CORRESPONDENCE = "correspondence", "Correspondence"
        PLAN = "plan", "Plan"
        SSOI = "ssoi", "SSOI / RAD package"
        NEGOTIATED = "negotiated", "Negotiated text"
        TRANSMITTAL = "transmittal", "Case-Zablocki transmittal to State"
        NOTICE = "notice", "Notice of termination or withdrawal"
        DDL = "ddl", "Delegation of disclosure authority letter"
        RELEASE = "release", "Release record"
        OTHER = "other", "Other"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    revision = models.CharField("version", max_length=20, blank=True)
    file = models.FileField(upload_to=document_path, validators=[validate_upload])
    original_name = models.CharField(max_length=255, editable=False)
    size = models.PositiveBigIntegerField(editable=False, default=0)
    checksum = models.CharField("SHA-256", max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.title} {self.revision}".strip()

    @property
    def record(self):
        return self.content_type.get_object_for_this_type(pk=self.object_id)

    def audit_root(self):
        return self.record

    def get_absolute_url(self):
        return reverse("core:document-download", args=[self.pk])

    @classmethod
    def visibility_q(cls, user, action):
        """A document follows its record: view it to see the file, change it to change them."""
        from core.permissions import record_models, restrict

        record_action = "view" if action == "view" else "change"
        condition = models.Q(pk__in=[])
        for model in record_models():
            allowed = restrict(model._default_manager.all(), user, record_action).values("pk")
            condition |= models.Q(
                content_type=ContentType.objects.get_for_model(model), object_id__in=allowed
            )
        return condition
