"""Disclosure requests shown on other records' pages: programs, agreements, a user's profile."""

from core.permissions import restrict
from tsfd.models import DisclosureRequest, Review
from tsfd.views import panel_requests


def program_requests(program, user):
    """The program's disclosure requests, among those the user may see."""
    return {"requests": panel_requests(DisclosureRequest.objects.filter(program=program), user)}


def agreement_requests(agreement, user):
    return {"requests": panel_requests(DisclosureRequest.objects.filter(agreement=agreement), user)}


def my_tsfd(person, user):
    """The person's open requests and open reviews, as the viewer may see them."""
    open_states = DisclosureRequest.OPEN | {DisclosureRequest.Status.DRAFT}
    requests = panel_requests(
        DisclosureRequest.objects.filter(requested_by=person, status__in=open_states), user
    )
    reviews = (
        restrict(Review.objects.all(), user, "view")
        .filter(reviewer=person, completed_at__isnull=True)
        .exclude(request__status__in=DisclosureRequest.CLOSED)
        .select_related("area", "request")
    )
    return {"requests": requests, "reviews": reviews, "profile": True}


def country_requests(country, user):
    """Disclosure requests to this country and their outcomes, among those the user may see."""
    return {
        "requests": panel_requests(
            DisclosureRequest.objects.filter(recipient_country=country), user
        )
    }
