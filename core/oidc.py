"""Sign-in through the organisation's OpenID Connect identity provider (mozilla-django-oidc).

On when OIDC_CLIENT_ID is set (icportal/settings.py). The flow keeps the portal's rules:

- the notice-and-consent banner is accepted first: /oidc/authenticate/ sends a person who
  has not accepted it in this session to the banner, then on to the provider;
- the provider's groups (the `groups` claim, OIDC_GROUPS_CLAIM) decide the portal roles on
  every sign-in through OIDC_GROUP_ROLES ("idp-group=Portal role,..."): the role groups
  are set to exactly the mapped roles, and a person none of whose groups maps to a role is
  refused ("no IC Portal role") rather than let in with none;
- a person is matched by the username claim (preferred_username), not by e-mail;
- sign-in, refusal and lockout are the same security events as for passwords, and a
  locked or inactive account is refused here too (and its sessions end, as for
  passwords, since every request re-checks the account through this backend).
"""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from core import roles
from core.auth import is_locked, record_event
from core.models import SecurityEvent

logger = logging.getLogger(__name__)


def group_roles():
    """{provider group: portal role} from OIDC_GROUP_ROLES; unknown roles are ignored."""
    mapping = getattr(settings, "OIDC_GROUP_ROLES", {}) or {}
    return {group: role for group, role in mapping.items() if role in roles.ROLE_DESCRIPTIONS}


def roles_from(claims):
    groups = claims.get(getattr(settings, "OIDC_GROUPS_CLAIM", "groups")) or []
    if isinstance(groups, str):
        groups = [groups]
    mapping = group_roles()
    return sorted({mapping[g] for g in groups if g in mapping})


class PortalOIDCBackend(OIDCAuthenticationBackend):
    """The provider vouches for who the person is; the mapping says what they may do."""

    def username_of(self, claims):
        return (claims.get(getattr(settings, "OIDC_USERNAME_CLAIM", "preferred_username")) or "")[
            :150
        ]

    def filter_users_by_claims(self, claims):
        username = self.username_of(claims)
        if not username:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(username__iexact=username)

    def verify_claims(self, claims):
        username = self.username_of(claims)
        if not username:
            record_event(SecurityEvent.Kind.LOGIN_FAILED, self.request, username="(oidc)")
            return False
        if not roles_from(claims):
            record_event(
                SecurityEvent.Kind.LOGIN_FAILED, self.request, username=username, reason="no_role"
            )
            return False
        return True

    def create_user(self, claims):
        user = self.UserModel(username=self.username_of(claims))
        user.set_unusable_password()  # signs in through the provider only
        self._copy_claims(user, claims)
        user.save()
        self._set_roles(user, claims)
        return user

    def update_user(self, user, claims):
        if is_locked(user):
            record_event(SecurityEvent.Kind.LOGIN_REFUSED_LOCKED, self.request, user=user)
            return None
        self._copy_claims(user, claims)
        user.save(update_fields=["first_name", "last_name", "email"])
        self._set_roles(user, claims)
        return user

    def get_or_create_user(self, access_token, id_token, payload):
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is not None and not self.user_can_authenticate(user):
            return None
        return user

    def user_can_authenticate(self, user):
        # Read for every request of a session too: a locked account's sessions end.
        return user.is_active and not is_locked(user)

    def _copy_claims(self, user, claims):
        user.first_name = (claims.get("given_name") or "")[:150]
        user.last_name = (claims.get("family_name") or "")[:150]
        user.email = (claims.get("email") or "")[:254]

    @transaction.atomic
    def _set_roles(self, user, claims):
        wanted = set(roles_from(claims))
        role_groups = Group.objects.filter(name__in=roles.ROLE_DESCRIPTIONS)
        user.groups.remove(*[g for g in role_groups if g.name not in wanted])
        user.groups.add(*[g for g in role_groups if g.name in wanted])
        user.is_staff = roles.PORTAL_ADMIN in wanted  # the admin site, as for the role
        user.save(update_fields=["is_staff"])


def _enabled():
    if not getattr(settings, "OIDC_ENABLED", False):
        raise Http404("Sign-in through an identity provider is not configured.")


@method_decorator(login_not_required, name="dispatch")
class SignInView(OIDCAuthenticationRequestView):
    """To the provider, after the notice-and-consent banner."""

    def get(self, request):
        _enabled()
        from core.views import CONSENT_KEY, _safe_next, _with_query

        next_url = _safe_next(request, request.GET.get("next"))
        if request.user.is_authenticated:
            return redirect(next_url or "home")
        if not request.session.get(CONSENT_KEY):
            # The banner, then the sign-in page, whose provider button carries `next` on.
            return redirect(_with_query(reverse("consent"), next=next_url))
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class CallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: signed in, or to the sign-in page with the reason."""

    def get(self, request):
        _enabled()
        from core.views import CONSENT_KEY

        consent_at = request.session.get(CONSENT_KEY)
        response = super().get(request)
        if request.user.is_authenticated:
            request.session[CONSENT_KEY] = consent_at
        return response

    @property
    def failure_url(self):
        return reverse("login") + "?reason=oidc"
