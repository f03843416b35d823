"""The agreements shown on other records' pages: each program's, country's and user's."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from agreements.models import Agreement, AgreementParticipant, Coordination
from core.models import TeamMember
from core.permissions import restrict


def _visible(user):
    return restrict(Agreement.objects.all(), user, "view").select_related("legal_authority")


def program_agreements(program, user):
    """The agreements linked to a program, among those the user may see."""
    return {"agreements": _visible(user).filter(programs=program).order_by("number")}


def my_agreements(person, user):
    """Agreements the person is responsible for or on the team of (as the viewer sees them)."""
    on_team = TeamMember.objects.filter(
        content_type=ContentType.objects.get_for_model(Agreement), user=person
    ).values("object_id")
    mine = Q(responsible_official=person) | Q(pk__in=on_team)
    return {"agreements": _visible(user).filter(mine).order_by("number")}


def country_agreements(country, user):
    """Agreements the country is a party to, among those the user may see."""
    parties = AgreementParticipant.objects.filter(country=country).values("agreement_id")
    return {"agreements": _visible(user).filter(pk__in=parties).order_by("number")}


def country_coordination(country, user):
    """The current coordination on agreements the country is a party to (as the user sees)."""
    parties = AgreementParticipant.objects.filter(country=country).values("agreement_id")
    rows = (
        restrict(Coordination.objects.all(), user, "view")
        .filter(current=True, agreement_id__in=parties)
        .select_related("agreement", "office")
        .order_by("agreement__number", "stage", "office__name")
    )
    return {"coordinations": rows}
