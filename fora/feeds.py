"""Calendar feeds: a per-user and a per-forum iCal feed behind a secret token.

Calendar apps cannot sign in, so the token in the URL is the credential: the feed
views are `login_not_required`, and each one reads as the token's owner through
core.permissions at request time. A revoked or unknown token answers 404.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from core import permissions
from fora.ical import calendar_of, ics_response
from fora.models import CalendarToken, Forum, Meeting

# A personal feed reaches back one year; older meetings stay on the portal.
FEED_HISTORY = timedelta(days=365)


def _webcal(url):
    return "webcal://" + url.split("://", 1)[1]


def calendar_links(request, forum=None):
    """The feed URLs of the signed-in user (and of one forum), for the pages to show."""
    token = CalendarToken.active_for(request.user)
    links = {"token": token, "manage_url": reverse("profile") + "#calendar"}
    if token is None:
        return links
    user_feed = request.build_absolute_uri(reverse("fora:calendar:user_feed", args=[token.token]))
    links.update(user_feed=user_feed, user_webcal=_webcal(user_feed))
    if forum is not None:
        forum_feed = request.build_absolute_uri(
            reverse("fora:calendar:forum_feed", args=[token.token, forum.pk])
        )
        links.update(forum_feed=forum_feed, forum_webcal=_webcal(forum_feed))
    return links


def _owner(token):
    """The token's owner, or 404 for an unknown, revoked or deactivated one."""
    row = CalendarToken.find_active(token)
    if row is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=10):
        CalendarToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def _meetings():
    return Meeting.objects.select_related("forum", "host_country").order_by("start_date", "pk")


@login_not_required
@never_cache
@require_safe
def user_feed(request, token):
    """Every meeting the token's owner may see, from a year ago on."""
    owner = _owner(token)
    since = timezone.localdate() - FEED_HISTORY
    meetings = permissions.restrict(_meetings(), owner, "view").filter(end_date__gte=since)
    name = f"IC Portal fora — {owner.get_full_name() or owner.get_username()}"
    payload = calendar_of(meetings, name, request.build_absolute_uri("/"))
    return ics_response(payload, "fora-meetings.ics")


@login_not_required
@never_cache
@require_safe
def forum_feed(request, token, pk):
    """The meetings of one forum, if the token's owner may see it (else 404)."""
    owner = _owner(token)
    forum = permissions.get_object_or_404(Forum.objects.all(), owner, "view", pk=pk)
    meetings = permissions.restrict(_meetings().filter(forum=forum), owner, "view")
    payload = calendar_of(meetings, f"IC Portal — {forum.name}", request.build_absolute_uri("/"))
    return ics_response(payload, f"forum-{forum.pk}.ics")


@require_POST
def manage_token(request):
    """Create, regenerate or revoke the signed-in user's calendar link."""
    action = request.POST.get("action")
    if action == "issue":
        CalendarToken.issue(request.user)
        messages.success(
            request,
            "Your calendar link is ready. Any earlier link no longer works: "
            "update the subscription in your calendar app.",
        )
    elif action == "revoke":
        CalendarToken.revoke_all(request.user)
        messages.success(
            request, "Your calendar link is revoked; calendars using it stop updating."
        )
    else:
        messages.error(request, "Unknown calendar action.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("profile") + "#calendar"
    return redirect(back)
