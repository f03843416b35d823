"""Request-wide rules: request ids, logs and metrics, security headers, idle timeout,
sign-in required."""

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.contrib.auth.middleware import PersistentRemoteUserMiddleware
from django.http import HttpResponseRedirect
from django.urls import reverse

from core import logs, metrics
from core.roles import PORTAL_ADMIN

IDLE_KEY = "last_activity"
access_log = logging.getLogger("icportal.requests")


class RequestLogMiddleware:
    """First in, last out: gives the request its id, counts it for the metrics and writes
    one log line when it is answered.

    Every line logged while the request runs carries its id and the user's numeric id
    (core.logs); the answer carries the id in `X-Request-ID`, so a user's report of a
    problem leads to the log lines and the audit rows of that request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = logs.request_id_for(request)
        token = logs.bind(request)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            seconds = time.monotonic() - started
            metrics.observe_request(request, response, seconds)
            response.headers.setdefault("X-Request-ID", request.request_id)
            path = logs.loggable_path(request)
            access_log.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "view": metrics.view_label(request),
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
            return response
        finally:
            logs.unbind(token)


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and Permissions-Policy headers to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def idle_limit_seconds(user):
    admin = user.is_superuser or any(g.name == PORTAL_ADMIN for g in user.groups.all())
    minutes = settings.SESSION_IDLE_MINUTES_ADMIN if admin else settings.SESSION_IDLE_MINUTES
    return minutes * 60


class IdleTimeoutMiddleware:
    """Ends a session after the idle limit (15 minutes, 10 for admins).

    Background polls (progress bars) send `X-Background-Poll` and do not count as
    activity, so a page left open still times out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            now = int(time.time())
            last = request.session.get(IDLE_KEY)
            limit = request.session.get("idle_limit")
            if limit is None:
                limit = request.session["idle_limit"] = idle_limit_seconds(user)
            if last is not None and now - last > limit:
                request.logout_reason = "idle"
                from core.auth import record_event

                record_event("idle_timeout", request, user=user, minutes=limit // 60)
                logout(request)
                url = reverse("login") + "?reason=idle"
                if request.headers.get("HX-Request"):
                    response = HttpResponseRedirect(url)
                    response["HX-Redirect"] = url
                    return response
                return HttpResponseRedirect(url)
            # Writing the session costs a query: refresh the stamp at most every 30 s.
            if not request.headers.get("X-Background-Poll") and (last is None or now - last >= 30):
                request.session[IDLE_KEY] = now
        return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a signed-in user, except those marked `login_not_required`.

    The API authenticates inside DRF (session or token) and answers 401/403 itself.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class ProxyRemoteUserMiddleware(PersistentRemoteUserMiddleware):
    """Trusts the user name a PKI/CAC front proxy puts in REMOTE_USER_HEADER."""

    header = settings.REMOTE_USER_HEADER
