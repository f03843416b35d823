"""Fora test data."""

import datetime

import factory
from django.utils import timezone

from core.models import Contact, Country, Organization
from fora.models import ActionItem, AgendaItem, Attendee, Forum, Meeting, WorkingGroup


class ForumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forum
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test forum number {n}")
    acronym = factory.Sequence(lambda n: f"TF{n}")
    kind = Forum.Kind.BILATERAL

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        isos = extracted or ("GBR",)
        self.countries.set(Country.objects.filter(iso3__in=isos))


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    forum = factory.SubFactory(ForumFactory)
    title = factory.Sequence(lambda n: f"Test meeting number {n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    end_date = factory.LazyAttribute(lambda m: m.start_date + datetime.timedelta(days=1))
    location = "London"


def counterpart(iso3="GBR"):
    org, _ = Organization.objects.get_or_create(
        name=f"Partner ministry of {iso3}", country=Country.objects.get(iso3=iso3)
    )
    contact, _ = Contact.objects.get_or_create(name=f"Counterpart {iso3}", organization=org)
    return contact


def with_children(meeting, owner=None, due=None):
    """An agenda item, an attendee and an action item (owned by `owner` or a counterpart)."""
    AgendaItem.objects.create(meeting=meeting, order=1, title=f"{meeting.title} opening")
    Attendee.objects.create(
        meeting=meeting, country=Country.objects.get(iso3="GBR"), name="A. Delegate"
    )
    ActionItem.objects.create(
        meeting=meeting,
        description=f"Follow up on {meeting.title}",
        owner_user=owner,
        owner_contact=None if owner else counterpart(),
        due_date=due or timezone.localdate() + datetime.timedelta(days=20),
    )
    WorkingGroup.objects.get_or_create(forum=meeting.forum, name=f"{meeting.forum.name} WG")
    return meeting
