"""The banner of every detail page carries the most restrictive marking on the page.

A record marked CUI with a NOFORN document attached shows NOFORN in its banner: the
document's title and file are listed on the page. Agreements, TSFD requests, fora and
meetings once set the banner from the record alone and dropped the document's marking.
"""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile

from core import teams
from core.markings import Marking
from core.models import Document
from tests.agreements.factories import AgreementFactory
from tests.fora.factories import ForumFactory
from tests.programs.factories import ProgramFactory
from tests.tsfd.factories import draft

pytestmark = pytest.mark.django_db


def _record(kind, users):
    if kind == "program":
        return ProgramFactory(classification="CUI", dissemination="")
    if kind == "agreement":
        return AgreementFactory(classification="CUI", dissemination="")
    if kind == "forum":
        return ForumFactory(classification="CUI", dissemination="")
    return draft(users["staff"], classification="CUI", dissemination="")


def attach_noforn(record):
    document = Document(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        title="Partner-restricted annex",
        original_name="annex.txt",
        classification="CUI",
        dissemination="NOFORN",
    )
    document.file.save("annex.txt", ContentFile(b"annex\n"), save=False)
    document.save()
    return document


# Meetings take no documents (their banner and linked records: tests/fora/test_meetings.py).
@pytest.mark.parametrize("kind", ["program", "agreement", "request", "forum"])
def test_a_noforn_document_raises_the_detail_page_banner(client, users, kind):
    record = _record(kind, users)
    teams.set_member(record, users["staff"], "editor")
    client.force_login(users["staff"])
    before = client.get(record.get_absolute_url())
    assert before.status_code == 200
    assert "NOFORN" not in before.context["page_marking"]

    document = attach_noforn(record)
    page = client.get(record.get_absolute_url())
    assert "Partner-restricted annex" in page.text
    assert "NOFORN" in page.context["page_marking"]
    assert page.context["page_marking"] == str(Marking.of(record) | Marking.of(document))


def test_pages_that_edit_or_list_a_record_carry_its_marking_not_the_portal_default(client, users):
    """The edit form, partners, funding and milestones, history, team, documents and
    delete pages show a CUI//CTI program's values: their banner says CUI//CTI too."""
    program = ProgramFactory(classification="CUI", cui_category="CTI", dissemination="")
    teams.set_member(program, users["pm"], "lead")
    client.force_login(users["pm"])
    base = program.get_absolute_url()
    for suffix in ("edit/", "partners/", "funding/", "milestones/", "history/", "team/"):
        page = client.get(base + suffix)
        assert page.status_code == 200, suffix
        banners = re.findall(r'aria-label="Marking">([^<]+)<', page.text)
        assert banners == ["CUI//CTI", "CUI//CTI"], (suffix, banners)
