from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from agreements.models import Agreement, AgreementParticipant, LegalAuthority
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
    autocomplete_fields = ("parent", "amends", "programs")
    inlines = [ParticipantInline]
    list_per_page = 50
