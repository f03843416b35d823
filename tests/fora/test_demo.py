"""The demo fora load, link to demo programs, and load again without duplicates."""

import pytest

from fora.models import ActionItem, AgendaItem, Forum, Meeting

pytestmark = pytest.mark.django_db


def test_demo_fora_are_realistic_and_idempotent():
    from core import demo as core_demo
    from fora import demo
    from programs import demo as programs_demo

    context = {}
    core_demo.seed(context)
    programs_demo.seed(context)
    demo.seed(context)
    counts = (Forum.objects.count(), Meeting.objects.count(), ActionItem.objects.count())
    assert counts[0] == 6
    assert Forum.objects.filter(kind="multilateral").count() == 2
    assert AgendaItem.objects.filter(linked_type__model="program").exists()
    assert ActionItem.objects.overdue().exists() and ActionItem.objects.due_within(7).exists()
    assert Meeting.objects.filter(status="minutes_approved").exists()
    assert len(context["fora"]) == 6
    demo.seed(context)
    assert (Forum.objects.count(), Meeting.objects.count(), ActionItem.objects.count()) == counts
