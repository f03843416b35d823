"""A stored script never runs: markup saved in free text, opened in a real Chromium."""

import pytest

from core import teams
from fora.models import ActionItem
from programs.models import Milestone
from tests.e2e.helpers import sign_in
from tests.fora.factories import MeetingFactory
from tests.programs.factories import ProgramFactory, with_children

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = (
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    '"><svg onload="window.__xss = 3">',
    "javascript:window.__xss = 4",
)


def test_markup_saved_in_text_fields_is_shown_as_text_and_never_runs(live_server, page, make_user):
    pm = make_user("pm", "Program Manager")
    text = " ".join(PAYLOADS)
    program = with_children(
        ProgramFactory(name=f"Payload {PAYLOADS[1]}", summary=text, objectives=text)
    )
    teams.set_member(program, pm, "lead")
    Milestone.objects.create(program=program, title=PAYLOADS[2], planned_date="2027-01-01")
    meeting = MeetingFactory(title=f"Talks {PAYLOADS[0]}", location=PAYLOADS[3])
    teams.set_member(meeting.forum, pm, "editor")
    ActionItem.objects.create(
        meeting=meeting, description=text, owner_user=pm, due_date="2027-02-01"
    )
    alerts = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server, "pm")
    for path in (
        "/programs/",
        program.get_absolute_url(),
        f"/programs/{program.pk}/history/",
        f"/programs/{program.pk}/edit/",
        meeting.get_absolute_url(),
        "/fora/action-items/",
        "/search/?q=payload",
        "/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__xss") == "undefined", path
    # And it is there, as text, where a user reads it.
    page.goto(live_server.url + program.get_absolute_url())
    assert PAYLOADS[1] in page.locator("h1").inner_text()
    assert alerts == []
