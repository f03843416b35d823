"""Site-wide pages: consent, sign-in and out, home, profile, health."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.forms import PortalAuthenticationForm
from core.health import broker_state, database_state
from core.models import Document, Notification
from core.permissions import guards
from core.roles import ROLE_DESCRIPTIONS, role_names

CONSENT_KEY = "consent_accepted_at"
NOTICES = {
    "idle": "Your session ended because it was idle too long. Sign in again to continue.",
    "signedout": "You have signed out.",
    "oidc": "Your organisation's sign-in did not let you in: the sign-in was cancelled, or "
    "your account has no IC Portal role, or it is locked or disabled. Ask your IC Portal "
    "administrator.",
}


def _with_query(url, **params):
    params = {k: v for k, v in params.items() if v}
    return f"{url}?{urlencode(params)}" if params else url


def _safe_next(request, value):
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def consent(request):
    """The notice-and-consent banner a user must accept before the sign-in form."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    reason = request.GET.get("reason") if request.GET.get("reason") in NOTICES else ""
    if request.method == "POST":
        request.session[CONSENT_KEY] = timezone.now().isoformat()
        return redirect(_with_query(reverse("login"), next=next_url, reason=reason))
    return render(
        request,
        "core/consent.html",
        {
            "consent_text": settings.CONSENT_BANNER_TEXT,
            "next": next_url,
            "reason": reason,
            "notice": NOTICES.get(reason),
        },
    )


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """Sign-in, reachable only after the consent banner was accepted in this session."""

    template_name = "core/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        if not request.session.get(CONSENT_KEY) and not request.user.is_authenticated:
            return redirect(
                _with_query(
                    reverse("consent"),
                    next=_safe_next(request, request.GET.get("next")),
                    reason=request.GET.get("reason")
                    if request.GET.get("reason") in NOTICES
                    else "",
                )
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notice"] = NOTICES.get(self.request.GET.get("reason"))
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["oidc_provider_name"] = settings.OIDC_PROVIDER_NAME
        return context

    def form_valid(self, form):
        consent_at = self.request.session.get(CONSENT_KEY)
        response = super().form_valid(form)
        # login() cycles the session key; keep the consent record with the new session.
        self.request.session[CONSENT_KEY] = consent_at
        return response


class LogoutView(auth_views.LogoutView):
    def get_success_url(self):
        return reverse("login") + "?reason=signedout"


def home(request):
    user = request.user
    roles = role_names(user)
    from core.dashboard import widgets_for

    return render(
        request,
        "core/home.html",
        {
            "roles": [(r, ROLE_DESCRIPTIONS[r]) for r in roles],
            "widgets": widgets_for(request),
        },
    )


def profile(request):
    from core.panels import panels_for

    return render(
        request,
        "core/profile.html",
        {
            "roles": role_names(request.user),
            "related_panels": panels_for(request.user, request),
        },
    )


@login_not_required
@never_cache
def healthz(request):
    """Database and broker state as JSON: 200 when both are fine, 503 otherwise."""
    db, broker = database_state(), broker_state()
    healthy = db["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "database": db, "broker": broker},
        status=200 if healthy else 503,
    )


def _document_for(request, pk, action):
    """A document, if the user may `action` its record; 404 when they may not see it."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from core import permissions
    from core.models import Document

    doc = (
        permissions.restrict(Document.objects.select_related("content_type"), request.user, "view")
        .filter(pk=pk)
        .first()
    )
    if doc is None:
        raise Http404("No such document.")
    if action != "view" and not permissions.can(request.user, action, doc):
        raise PermissionDenied("You may not change this record's documents.")
    if action != "view" and getattr(doc.record, "documents_locked", False):
        raise PermissionDenied("This record is closed: its documents can no longer change.")
    return doc, doc.record


@guards(Document)
def document_download(request, pk):
    """Stream a document to a user who may see its record; every download is audited."""
    from django.http import FileResponse

    from core.auth import record_event
    from core.models import SecurityEvent

    doc, record = _document_for(request, pk, "view")
    record_event(
        SecurityEvent.Kind.DOWNLOAD,
        request,
        user=request.user,
        document=doc.pk,
        title=doc.title,
        record=f"{record._meta.label}:{record.pk}",
    )
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.original_name)


@guards(Document)
@require_http_methods(["POST"])
def document_delete(request, pk):
    from django.contrib import messages

    doc, record = _document_for(request, pk, "change")
    stored = doc.file.name
    doc.delete()
    # The file goes once the row is gone, so a failed delete never leaves a dangling row.
    doc.file.storage.delete(stored)
    messages.success(request, f"Document “{doc}” deleted.")
    return redirect(record.get_absolute_url() + "#documents")


def country(request, iso3):
    """A country's page: memberships, organisations, and what each app registered for
    countries (programs, agreements, TSFD requests, fora), as far as the user may see."""
    from django.shortcuts import get_object_or_404

    from core import markings
    from core.models import Country
    from core.panels import marking_records, panels_for

    place = get_object_or_404(Country, iso3=iso3.upper())
    related = panels_for(place, request)
    return render(
        request,
        "core/country.html",
        {
            "country": place,
            "organizations": place.organizations.prefetch_related("contacts"),
            "related_panels": related,
            "page_marking": markings.combined(marking_records(related)),
        },
    )


def search_page(request):
    """Global search: ranked results grouped by type, only what the user may see."""
    from core.search import search

    q = request.GET.get("q", "")
    groups = search(request.user, q)
    return render(request, "core/search.html", {"q": q, "groups": groups})


def search_suggest(request):
    """As-you-type suggestions for the header search box (htmx fragment)."""
    from core.search import search

    q = request.GET.get("q", "")
    groups = search(request.user, q, per_type=3) if len(q.strip()) >= 2 else []
    return render(request, "core/_suggest.html", {"q": q, "groups": groups})


def notification_list(request):
    from django.core.paginator import Paginator

    from core.forms import NotificationPreferenceForm
    from core.notifications import readable

    # Read now, through core.permissions: none about a record the user may no longer see.
    notes = readable(request.user)
    page = Paginator(notes, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notifications.html",
        {
            "page": page,
            "preference_form": NotificationPreferenceForm(user=request.user),
        },
    )


@guards(Notification, owner="user")
@require_http_methods(["POST"])
def notification_read(request, pk):
    from django.http import Http404

    from core.models import Notification
    from core.notifications import readable

    mine = Notification.objects.filter(user=request.user, pk=pk)
    note = readable(request.user, mine).first()
    if note is None:  # not theirs, or about a record they may no longer see
        raise Http404("No such notification.")
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    target = note.url if note.url.startswith("/") and not note.url.startswith("//") else ""
    if request.POST.get("open") and target:
        return redirect(target)
    return redirect("core:notifications")


@require_http_methods(["POST"])
def notification_read_all(request):
    from django.contrib import messages

    from core.models import Notification
    from core.notifications import readable

    unread = Notification.objects.filter(user=request.user, read_at__isnull=True)
    count = readable(request.user, unread).update(read_at=timezone.now())
    messages.success(request, f"Marked {count} notification(s) as read.")
    return redirect("core:notifications")


@require_http_methods(["POST"])
def notification_preferences(request):
    from django.contrib import messages

    from core.forms import NotificationPreferenceForm

    form = NotificationPreferenceForm(request.POST, user=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, "E-mail preference saved.")
    else:
        messages.error(request, "Choose one of the e-mail options.")
    return redirect("core:notifications")


@require_http_methods(["POST"])
def follow_toggle(request):
    """Follow or unfollow a record the user may see (404 otherwise)."""
    from django.contrib import messages
    from django.contrib.contenttypes.models import ContentType
    from django.http import Http404

    from core import follows, permissions

    try:
        ct = ContentType.objects.get_for_id(int(request.POST.get("content_type", "")))
        model = ct.model_class()
        record = permissions.restrict(model._default_manager.all(), request.user, "view").get(
            pk=int(request.POST.get("object_id", ""))
        )
    except (ValueError, ContentType.DoesNotExist, AttributeError, TypeError) as exc:
        raise Http404("No such record.") from exc
    except Exception as exc:  # the model's DoesNotExist
        if exc.__class__.__name__ == "DoesNotExist":
            raise Http404("No such record.") from exc
        raise
    now_following = follows.toggle(request.user, record)
    messages.success(
        request, f"You {'now follow' if now_following else 'no longer follow'} “{record}”."
    )
    return redirect(record.get_absolute_url())


def server_error(request):
    """The 500 handler. A database or broker outage gets a 503 maintenance page instead.

    Rendered without the request context: the context processors would query the very
    database that is down.
    """
    import sys

    from django.db import DatabaseError
    from django.http import HttpResponse, HttpResponseServerError
    from django.template.loader import render_to_string

    exc = sys.exc_info()[1]
    if isinstance(exc, DatabaseError) and _is_outage(exc):
        html = render_to_string(
            "503.html",
            {
                "marking": settings.PORTAL_MARKING,
                "message": "Its database cannot be reached right now.",
            },
        )
        return HttpResponse(html, status=503, headers={"Retry-After": "60"})
    html = render_to_string("500.html", {"marking": settings.PORTAL_MARKING})
    return HttpResponseServerError(html)


def _is_outage(exc):
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def not_found(request, exception=None):
    """404: JSON under /api/, the portal's page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
