"""Admin for reference data, plus read-only security and audit logs; RuledAdminMixin,
which every admin of a record under core.rules uses."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from core import rules, tokens
from core.auth import unlock
from core.generic_views import named_messages, onto_form
from core.models import (
    AccountLockout,
    ApiToken,
    AuditEntry,
    Contact,
    Country,
    Organization,
    SecurityEvent,
)


class RuledAdminForm(forms.ModelForm):
    """An admin form for a record under core.rules.

    A rule about a field the form does not show (read-only, excluded, a child's) becomes a
    non-field error naming it, where Django's ModelForm would crash; a refusal met while
    saving (`refused`, set for the re-render by RuledAdminMixin) is the form's error.
    """

    refused = None

    def clean(self):
        cleaned = super().clean()
        if self.refused is not None:
            self.add_error(None, self.refused)
        return cleaned

    def add_error(self, field, error):
        if field is None:
            error = onto_form(self, error)
        super().add_error(field, error)


class RuledAdminMixin:
    """The admin keeps the rules of core.rules, whole and without a 500.

    The inlines' rows are saved one at a time: they are saved as one batch
    (`core.rules.batch()`), so a rule across rows (cost shares adding up to 100%) is
    checked once on the saved set — 60/40 → 50/50 passes. A refusal met while saving
    (that rule, or any model ValidationError from save()) undoes the whole change (the
    admin's transaction) and the page comes back with the posted values, the refusal as
    the form's error naming the field, and an error message: nothing saved, never a 500.
    """

    form = RuledAdminForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refused = getattr(request, "_rules_refused", None)
        if refused is not None:
            form = type(form.__name__, (form,), {"refused": refused})
        return form

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            if inline.form is forms.ModelForm:
                inline.form = RuledAdminForm
        return inlines

    def save_related(self, request, form, formsets, change):
        with rules.batch():
            super().save_related(request, form, formsets, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            if request.method != "POST" or getattr(request, "_rules_refused", None) is not None:
                raise
            request._rules_refused = exc
            lines = named_messages(self.model, exc)
            self.message_user(
                request, "Nothing was saved: " + " ".join(lines), level=messages.ERROR
            )
            # The same POST again: the form now carries the refusal, so nothing is saved
            # and the change page shows what was typed.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except ValidationError as exc:  # a list_editable row refused while saving
            if request.method != "POST":
                raise
            lines = named_messages(self.model, exc)
            self.message_user(
                request, "Nothing was saved: " + " ".join(lines), level=messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Country)
class CountryAdmin(RuledAdminMixin, admin.ModelAdmin):
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
class OrganizationAdmin(RuledAdminMixin, admin.ModelAdmin):
    list_display = ("name", "acronym", "country", "kind")
    list_filter = ("kind",)
    search_fields = ("name", "acronym", "country__name")
    autocomplete_fields = ("country",)


@admin.register(Contact)
class ContactAdmin(RuledAdminMixin, admin.ModelAdmin):
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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Everyone's API tokens: a Portal Admin revokes them, never sees a secret (none is
    kept). Users make their own under *API tokens*; rows stay as evidence."""

    list_display = (
        "prefix",
        "user",
        "description",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("read_only", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "key", "description")
    list_select_related = ("user",)
    fields = (
        "prefix",
        "user",
        "description",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields
    actions = ["revoke_tokens"]

    @admin.display(description="token")
    def prefix(self, obj):
        return f"{obj.prefix}…"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke_tokens(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke(token, by=request.user, request=request)
            count += 1
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)
