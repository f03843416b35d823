from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from agreements.models import (
    Agreement,
    AgreementParticipant,
    CoordinatingOffice,
    Coordination,
    LegalAuthority,
    NoAuthorityReason,
)
from core.admin import RuledAdminMixin


@admin.register(LegalAuthority)
class LegalAuthorityAdmin(RuledAdminMixin, admin.ModelAdmin):
    """The reference list of legal authorities offered on agreements."""

    list_display = ("name", "citation", "active")
    list_filter = ("active",)
    search_fields = ("name", "citation")


class ParticipantInline(admin.TabularInline):
    model = AgreementParticipant
    extra = 0
    autocomplete_fields = ("country", "organization")


class CoordinationInline(admin.TabularInline):
    model = Coordination
    extra = 0
    fields = ("stage", "office", "current", "requested_on", "due_on", "answer", "comment")
    readonly_fields = ("answered_by", "overruled_by")


@admin.register(Agreement)
class AgreementAdmin(RuledAdminMixin, GuardedModelAdmin):
    """Agreements, with per-object permissions under “Object permissions” (django-guardian).

    The status is read-only here: it changes only through the lifecycle steps, which
    check who may and what must be true and keep the timeline.
    """

    list_display = ("number", "title", "kind", "status", "responsible_official", "expiration_date")
    list_filter = ("kind", "status", "legal_authority")
    search_fields = ("number", "title")
    list_select_related = ("responsible_official",)
    readonly_fields = ("status",)
    autocomplete_fields = ("parent", "amends", "programs", "no_authority_reason")
    inlines = [ParticipantInline, CoordinationInline]
    list_per_page = 50


@admin.register(NoAuthorityReason)
class NoAuthorityReasonAdmin(RuledAdminMixin, admin.ModelAdmin):
    """Why an agreement may need no Circular 175 authority (reference list)."""

    list_display = ("name", "active")
    list_filter = ("active",)
    search_fields = ("name",)


@admin.register(CoordinatingOffice)
class CoordinatingOfficeAdmin(RuledAdminMixin, admin.ModelAdmin):
    """The offices asked to coordinate, with the people who answer for each."""

    list_display = ("name", "short_name", "asked_by_default", "days_to_answer", "active")
    list_filter = ("active", "asked_by_default")
    search_fields = ("name", "short_name")
    filter_horizontal = ("members",)
