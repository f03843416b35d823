"""The user's own API tokens: list, make one (its secret shown once), revoke."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core import tokens
from core.forms import style_form
from core.models import ApiToken
from core.permissions import guards


class ApiTokenForm(forms.Form):
    description = forms.CharField(
        max_length=200, help_text="What the token is for, e.g. “nightly budget export”."
    )
    expires_on = forms.DateField(
        label="Expires on", help_text="The token works through this day, then stops."
    )
    read_only = forms.BooleanField(
        label="Read-only (cannot create, change or delete)", required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = tokens.default_expiry_day()
        latest = tokens.latest_expiry_day()
        self.fields["expires_on"].help_text += f" At the latest {latest:%Y-%m-%d}."
        style_form(self)
        self.fields["expires_on"].widget.attrs["max"] = latest.isoformat()

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        latest = tokens.latest_expiry_day()
        if day > latest:
            raise ValidationError(
                f"A token lives at most {settings.API_TOKEN_MAX_DAYS} days: "
                f"choose {latest:%Y-%m-%d} or earlier."
            )
        if day < timezone.localdate():
            raise ValidationError("Choose today or a later day.")
        return day


def _page(request, form, plain=None):
    return render(
        request,
        "core/api_tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(user=request.user),
            "plain": plain,
            "may_use": tokens.has_role(request.user),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request):
    """The user's tokens; a POST makes a new one and shows its secret this once."""
    if request.method == "GET":
        return _page(request, ApiTokenForm())
    if not tokens.has_role(request.user):
        messages.error(request, "Your account has no role in the portal: a token would not work.")
        return redirect("core:api-tokens")
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    _, plain = tokens.issue(
        request.user,
        form.cleaned_data["description"],
        form.cleaned_data["expires_on"],
        read_only=form.cleaned_data["read_only"],
        request=request,
    )
    return _page(request, ApiTokenForm(), plain=plain)  # never_cache: no-store


@guards(ApiToken, owner="user")
@require_POST
def token_revoke(request, pk):
    """Revoke one of the user's own tokens (anyone else's: 404)."""
    token = ApiToken.objects.filter(user=request.user, pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    if token.revoked_at is None:
        tokens.revoke(token, by=request.user, request=request)
        messages.success(request, f"Token {token.prefix} is revoked: it no longer works.")
    return redirect("core:api-tokens")
