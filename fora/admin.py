from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from core.admin import RuledAdminMixin
from fora.models import (
    ActionItem,
    AgendaItem,
    Attendee,
    CalendarToken,
    Forum,
    Meeting,
    WorkingGroup,
)


class WorkingGroupInline(admin.TabularInline):
    model = WorkingGroup
    extra = 0


@admin.register(Forum)
class ForumAdmin(RuledAdminMixin, GuardedModelAdmin):
    """Fora, with per-object permissions under “Object permissions” (django-guardian)."""

    list_display = ("name", "acronym", "kind", "cadence", "us_cochair")
    list_filter = ("kind", "cadence")
    search_fields = ("name", "acronym")
    filter_horizontal = ("countries",)
    list_select_related = ("us_cochair",)
    inlines = [WorkingGroupInline]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ("order", "title", "presenter", "linked_type", "linked_id")


class AttendeeInline(admin.TabularInline):
    model = Attendee
    extra = 0
    autocomplete_fields = ("country", "organization")


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ("description", "owner_user", "owner_contact", "due_date", "status")


@admin.register(Meeting)
class MeetingAdmin(RuledAdminMixin, admin.ModelAdmin):
    list_display = ("title", "forum", "start_date", "end_date", "status")
    list_filter = ("status",)
    search_fields = ("title", "forum__name")
    date_hierarchy = "start_date"
    list_select_related = ("forum",)
    inlines = [AgendaItemInline, AttendeeInline, ActionItemInline]


@admin.register(CalendarToken)
class CalendarTokenAdmin(RuledAdminMixin, admin.ModelAdmin):
    """Calendar links: an admin can revoke one, never read the secret."""

    list_display = ("user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username",)
    fields = ("user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "created_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected calendar links")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            CalendarToken.revoke_all(token.user)
