from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from core.admin import RuledAdminMixin
from programs.models import Funding, Milestone, Participant, Program


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ("country", "organization")


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Program)
class ProgramAdmin(RuledAdminMixin, GuardedModelAdmin):
    """Programs, with per-object permissions under “Object permissions” (django-guardian)."""

    list_display = ("code", "name", "kind", "phase", "health", "program_manager", "end_date")
    list_filter = ("kind", "phase", "health")
    search_fields = ("code", "name")
    list_select_related = ("program_manager",)
    inlines = [ParticipantInline, MilestoneInline]
    list_per_page = 50


@admin.register(Funding)
class FundingAdmin(RuledAdminMixin, admin.ModelAdmin):
    list_display = ("program", "fiscal_year", "participant", "amount", "currency")
    list_select_related = ("program", "participant__country")
