"""Forms shared across the portal."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm

from core.auth import LOCKED_MESSAGE, is_locked


class PortalAuthenticationForm(AuthenticationForm):
    """The sign-in form; a locked account gets the lockout message, not 'wrong password'."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": LOCKED_MESSAGE,
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        user = get_user_model().objects.filter(username=username).first() if username else None
        if user is not None and is_locked(user):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            return super().clean()
        except forms.ValidationError:
            if user is not None and is_locked(user):  # this failure just locked it
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise
