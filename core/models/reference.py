"""Reference data every app shares: countries, organisations, their contacts."""

from django.db import models
from django.urls import reverse

from core.models.audit import AuditedModel


class Country(AuditedModel):
    """An ISO 3166 country with the alliance memberships the office cares about."""

    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True)
    iso3 = models.CharField("ISO alpha-3", max_length=3, unique=True)
    name = models.CharField(max_length=100)
    region = models.CharField(max_length=60, blank=True)
    nato = models.BooleanField("NATO", default=False)
    mnna = models.BooleanField("Major non-NATO ally", default=False)
    five_eyes = models.BooleanField("Five Eyes", default=False)
    eu = models.BooleanField("EU", default=False)
    security_agreement = models.BooleanField(
        "General security agreement with the US", default=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("core:country", args=[self.iso3])

    @property
    def memberships(self):
        flags = [
            ("NATO", self.nato),
            ("MNNA", self.mnna),
            ("Five Eyes", self.five_eyes),
            ("EU", self.eu),
            ("GSA", self.security_agreement),
        ]
        return [label for label, on in flags if on]


class Organization(AuditedModel):
    """A ministry, service, agency, company, university or international body."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", "Ministry"
        SERVICE = "service", "Military service"
        AGENCY = "agency", "Agency"
        INDUSTRY = "industry", "Industry"
        ACADEMIA = "academia", "Academia"
        INTERNATIONAL = "international", "International organisation"

    name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=30, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="organizations")
    kind = models.CharField(max_length=20, choices=Kind.choices, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="organization_unique_name")
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def get_absolute_url(self):
        return f"{self.country.get_absolute_url()}#org-{self.pk}"


class Contact(AuditedModel):
    """A counterpart person. Portal users are Django users, not contacts."""

    name = models.CharField(max_length=150)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contacts"
    )
    title = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}, {self.organization.acronym or self.organization.name}"

    def get_absolute_url(self):
        return f"{self.organization.country.get_absolute_url()}#contact-{self.pk}"
