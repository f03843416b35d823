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


def country_ndp_levels(country, user):
    """The country's delegated NDP level for each category (reference data)."""
    from tsfd.models import NdpLevel

    levels = restrict(NdpLevel.objects.filter(country=country), user, "view").select_related(
        "category"
    )
    return {"levels": levels}


def country_ddls(country, user):
    """The DDLs that name the country, among those the user may see."""
    from tsfd.models import DelegationLetter

    letters = list(
        restrict(DelegationLetter.objects.filter(countries=country), user, "view").order_by(
            "-expires_on"
        )
    )
    return {"letters": letters, "marking_records": letters}


def country_releases(country, user):
    """Releases made to the country, among those the user may see (latest twenty)."""
    from tsfd.models import Release

    releases = list(
        restrict(Release.objects.filter(recipient_country=country), user, "view")
        .select_related("request", "request__recipient_country", "recipient_country")
        .order_by("-released_on", "-pk")[:20]
    )
    return {"releases": releases}
