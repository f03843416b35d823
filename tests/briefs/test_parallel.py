"""A leadership packet laid out in parts on several processes, then joined (briefs/join.py).

The joined PDF must read as one document: one structure tree whose elements all point
at its pages, parent-tree keys unique per page and link, the annex's outline under its
band, page labels and footers that agree, the portfolio's links landing on the sheets,
and the same text on every page as the same parts rendered one after the other.
"""

import io
import os
import re

import pikepdf
import pytest
from pypdf import PdfReader

from briefs import jobs
from briefs.compose import compose
from briefs.content import build
from briefs.models import Packet
from briefs.pdf import PartFailed, _render_forked, render_parts
from tests.briefs.helpers import outline_titles, read_pdf
from tests.programs.factories import ProgramFactory, with_children

pytestmark = pytest.mark.django_db

CODES = [f"CP-2026-8{i:02d}" for i in range(5)]


@pytest.fixture
def five_programs():
    return [
        with_children(ProgramFactory(code=code, name=f"Parallel {code[-3:]}")) for code in CODES
    ]


def structure_problems(pdf):
    """What breaks the joined structure tree (empty when it is whole)."""
    problems = []
    pages = {page.objgen for page in pdf.pages}
    root = pdf.Root.StructTreeRoot
    nums = root.ParentTree.Nums
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    if keys != sorted(set(keys)):
        problems.append("parent-tree keys repeat or are out of order")
    if int(root.ParentTreeNextKey) <= max(keys):
        problems.append("ParentTreeNextKey is not past the last key")
    page_keys = [int(page.obj.StructParents) for page in pdf.pages]
    link_keys = [
        int(link.StructParent)
        for page in pdf.pages
        for link in page.obj.get("/Annots", [])
        if "/StructParent" in link
    ]
    if len(set(page_keys + link_keys)) != len(page_keys + link_keys):
        problems.append("two pages or links share a parent-tree key")
    if not set(page_keys + link_keys) <= set(keys):
        problems.append("a page or link has no parent-tree entry")

    def walk(element, parent):
        if "/Pg" in element and element.Pg.objgen not in pages:
            problems.append(f"{element.S} points at a page not in the document")
        if parent is not None and element.P.objgen != parent.objgen:
            problems.append(f"{element.S} names the wrong parent")
        for kid in element.get("/K", []):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                walk(kid, element)

    walk(root.K[0], None)
    return problems


def test_a_packet_laid_out_in_parts_reads_as_one_document(users, five_programs, run_jobs, settings):
    settings.BRIEFS_SHEETS_PER_PART = 2  # front matter + sheets 1-2, 3-4, 5
    settings.BRIEFS_RENDER_PROCESSES = 2
    leader = users["leader"]
    packet = run_jobs(jobs.request_packet, leader, "leadership", "Parallel", {})
    packet.refresh_from_db()
    assert packet.status == Packet.Status.DONE, packet.error
    reader, texts = read_pdf(packet)
    assert len(texts) == packet.pages
    with packet.file.open("rb") as handle:
        pdf = pikepdf.open(io.BytesIO(handle.read()))
    assert structure_problems(pdf) == []
    assert bool(pdf.Root.MarkInfo.Marked) and str(pdf.Root.Lang) == "en"
    # Set in the portal's own typeface (the installed TrueType files), embedded.
    embedded = {
        str(font.FontName).split("+")[-1]
        for font in pdf.objects
        if isinstance(font, pikepdf.Dictionary)
        and font.get("/Type") == "/FontDescriptor"
        and "/FontFile2" in font
    }
    assert {"Public-Sans", "Public-Sans-Bold"} <= embedded

    # The annex: one outline entry per sheet, in order, under its band.
    outline = dict(outline_titles(reader))
    assert [title for title, _ in outline["Annex: program sheets"]] == [
        f"{code} Parallel {code[-3:]}" for code in CODES
    ]
    # Each sheet's pages: labelled A-n, footed "Sheet A-n of A-5", holding that program.
    labels = pdf.Root.PageLabels.Nums
    starts = {int(labels[i]): str(labels[i + 1].get("/P", "")) for i in range(0, len(labels), 2)}
    front = min(index for index in starts if index > 0)
    for number, code in enumerate(CODES, start=1):
        index = next(i for i, label in starts.items() if label == f"A-{number}")
        assert code in texts[index] and f"Sheet A-{number} of A-5" in texts[index]
    # The front matter counts its own pages.
    for number, text in enumerate(texts[:front], start=1):
        assert f"Page {number} of {front}" in text
    # The contents give each sheet its number, and the portfolio's links land on it.
    assert re.search(r"CP-2026-803 Parallel 803\W*A-4", texts[1])
    dests = pikepdf.NameTree(pdf.Root.Names.Dests)
    page_index = {page.objgen: i for i, page in enumerate(pdf.pages)}
    for program in five_programs:
        target = page_index[dests[f"program-{program.pk}"][0].objgen]
        assert target >= front and program.code in texts[target]


def test_the_parts_read_the_same_rendered_at_once_or_one_after_another(
    users, five_programs, settings
):
    settings.BRIEFS_SHEETS_PER_PART = 2
    leader = users["leader"]
    packet = Packet(kind="leadership", parameters={}, requested_by=leader)
    parts = compose(build(packet, leader), leader)
    assert len(parts) == 4
    texts = []
    for processes in (1, 2):
        pdf, pages = render_parts(parts, processes=processes)
        texts.append([page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages])
        assert len(texts[-1]) == pages
    assert texts[0] == texts[1]


def test_cancelling_stops_every_process_laying_out_a_part(users, five_programs, settings):
    settings.BRIEFS_SHEETS_PER_PART = 1
    leader = users["leader"]
    parts = compose(
        build(Packet(kind="leadership", parameters={}, requested_by=leader), leader), leader
    )

    class Cancelled(Exception):
        pass

    def on_progress(stage, page):
        if stage == "page":
            raise Cancelled  # what run.report raises when the user pressed Cancel

    with pytest.raises(Cancelled):
        _render_forked([part.html for part in parts], 2, on_progress)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no process left behind, running or unreaped


def test_a_part_that_cannot_be_rendered_fails_the_packet_with_its_reason():
    with pytest.raises(PartFailed, match="TypeError"):
        _render_forked(["<p>fine</p>", None], 2, None)  # None is no HTML
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
