from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from core.admin import RuledAdminMixin
from tsfd.models import (
    DelegationLetter,
    DisclosureRequest,
    InformationCategory,
    NdpLevel,
    Proviso,
    Release,
    Review,
    ReviewArea,
    StandardProviso,
)


@admin.register(ReviewArea)
class ReviewAreaAdmin(RuledAdminMixin, admin.ModelAdmin):
    """The review areas ("pipes") intake can select, with their target turnaround."""

    list_display = ("code", "name", "target_days", "active", "order")
    list_editable = ("target_days", "active", "order")
    search_fields = ("code", "name")


@admin.register(InformationCategory)
class InformationCategoryAdmin(RuledAdminMixin, admin.ModelAdmin):
    list_display = ("number", "name", "active")
    list_editable = ("active",)
    search_fields = ("name",)


class ReviewInline(admin.TabularInline):
    model = Review
    extra = 0
    fields = ("area", "reviewer", "assigned_at", "recommendation", "completed_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ProvisoInline(admin.TabularInline):
    model = Proviso
    extra = 0
    readonly_fields = ("number", "text", "standard")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReleaseInline(admin.TabularInline):
    """The release log, read only here: releases are recorded in the portal by an FDO."""

    model = Release
    extra = 0
    fields = ("released_on", "what", "recipient_country", "recipient", "classification_released")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(NdpLevel)
class NdpLevelAdmin(RuledAdminMixin, admin.ModelAdmin):
    """National Disclosure Policy: each country's delegated level per NDP category."""

    list_display = ("country", "category", "level", "note")
    list_editable = ("level",)
    list_filter = ("level", "category")
    search_fields = ("country__name", "country__iso3")
    list_select_related = ("country", "category")
    autocomplete_fields = ("country",)


@admin.register(StandardProviso)
class StandardProvisoAdmin(RuledAdminMixin, admin.ModelAdmin):
    list_display = ("code", "text", "active", "order")
    list_editable = ("active", "order")
    search_fields = ("code", "text")


@admin.register(DelegationLetter)
class DelegationLetterAdmin(RuledAdminMixin, GuardedModelAdmin):
    list_display = ("number", "title", "system", "classification_limit", "expires_on")
    search_fields = ("number", "title", "system")
    filter_horizontal = ("countries",)


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(RuledAdminMixin, GuardedModelAdmin):
    """Read-mostly: the lifecycle runs in the portal, where its rules are enforced."""

    list_display = ("number", "title", "recipient_country", "status", "requested_by", "needed_by")
    list_filter = ("status", "disclosure_form", "highest_classification")
    search_fields = ("number", "title")
    list_select_related = ("recipient_country", "requested_by")
    readonly_fields = ("status", "requested_by", "decided_by", "decided_at", "decision_rationale")
    inlines = [ReviewInline, ProvisoInline, ReleaseInline]
    list_per_page = 50
