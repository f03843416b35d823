"""Admin for reference data, plus read-only security and audit logs."""

from django.contrib import admin, messages

from core.auth import unlock
from core.models import AccountLockout, AuditEntry, Contact, Country, Organization, SecurityEvent


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "iso3",
        "iso2",
        "region",
        "nato",
        "mnna",
        "five_eyes",
        "eu",
        "security_agreement",
    )
    list_filter = ("nato", "mnna", "five_eyes", "eu", "security_agreement", "region")
    search_fields = ("name", "iso3", "iso2")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "acronym", "country", "kind")
    list_filter = ("kind",)
    search_fields = ("name", "acronym", "country__name")
    autocomplete_fields = ("country",)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "organization", "email")
    search_fields = ("name", "email", "organization__name")
    autocomplete_fields = ("organization",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are evidence: visible to admins, never edited or deleted through the portal."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "username", "ip_address")
    list_filter = ("kind",)
    search_fields = ("username",)
    date_hierarchy = "at"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "content_type", "object_repr", "user", "source")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr",)
    date_hierarchy = "at"


@admin.register(AccountLockout)
class AccountLockoutAdmin(admin.ModelAdmin):
    list_display = ("user", "locked_at", "failures")
    actions = ["unlock_accounts"]
    readonly_fields = ("user", "locked_at", "failures")

    def has_add_permission(self, request):
        return False

    @admin.action(description="Unlock the selected accounts")
    def unlock_accounts(self, request, queryset):
        count = 0
        for lockout in queryset.select_related("user"):
            unlock(lockout, by=request.user)
            count += 1
        self.message_user(request, f"Unlocked {count} account(s).", messages.SUCCESS)

    def delete_model(self, request, obj):
        unlock(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for lockout in queryset.select_related("user"):
            unlock(lockout, by=request.user)
