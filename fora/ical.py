"""Meetings as iCalendar (RFC 5545): feeds for calendar apps and one-meeting downloads.

Meetings are all-day events (DTEND is the day after the last day, as the RFC wants).
UID is stable and SEQUENCE is the meeting's version, so a calendar app updates the
event in place when the meeting moves. Every event carries its marking.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

STATUS = {
    "planned": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "held": "CONFIRMED",
    "minutes_approved": "CONFIRMED",
    "cancelled": "CANCELLED",
}


def _host():
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "icportal"


def meeting_uid(meeting):
    return f"fora-meeting-{meeting.pk}@{_host()}"


def meeting_event(meeting, base_url):
    """One VEVENT for a meeting (the caller has checked the reader may see it)."""
    forum = meeting.forum
    marking = str(meeting.combined_marking)
    url = base_url.rstrip("/") + meeting.get_absolute_url()
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", timezone.now())
    event.add("last-modified", meeting.updated_at)
    event.add("sequence", meeting.version)
    event.add("summary", f"({marking}) {forum.short_name}: {meeting.title}")
    event.add("dtstart", meeting.start_date)
    event.add("dtend", meeting.end_date + timedelta(days=1))
    place = ", ".join(
        p
        for p in (meeting.location, meeting.host_country.name if meeting.host_country else "")
        if p
    )
    if place:
        event.add("location", place)
    event.add("status", STATUS.get(meeting.status, "TENTATIVE"))
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    event.add("url", url)
    event.add(
        "description",
        "\n".join(
            [
                marking,
                f"{forum.name} ({forum.get_kind_display().lower()})",
                f"Status: {meeting.get_status_display()}",
                f"Details: {url}",
                marking,
            ]
        ),
    )
    return event


def calendar_of(meetings, name, base_url=None):
    """The bytes of a VCALENDAR holding one event per meeting."""
    base_url = base_url or settings.PORTAL_BASE_URL
    calendar = Calendar()
    calendar.add("prodid", "-//IC Portal//Fora meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-published-ttl", "PT1H")
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, base_url))
    return calendar.to_ical()


def ics_response(payload, filename, attachment=False):
    response = HttpResponse(payload, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
