"""Uploaded text files are checked from the first byte to the last, in chunks.

A .txt or .csv has no signature to check, so its content is: binary bytes anywhere (an
executable appended after 9 KB of text, NUL padding) refuse it with the same message as
binary at the start, and nothing is stored. The check streams the file in bounded chunks
and never reads more than the upload limit.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core import teams
from core.documents import validate_upload
from core.models import Document
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

NOT_TEXT = "The file is not plain text."
TEXT = b"Line of ordinary meeting notes, nothing to see here.\r\n" * 180  # ~9.7 KB
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00"
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00"


@pytest.fixture
def program_page(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    program = ProgramFactory()
    teams.set_member(program, users["pm"], "editor")
    client.force_login(users["pm"])

    def upload(name, content):
        return client.post(
            f"/programs/{program.pk}/documents/add/",
            {
                "title": "Notes",
                "kind": "other",
                "classification": "U",
                "file": SimpleUploadedFile(name, content),
            },
        )

    return upload


def stored(tmp_path):
    return [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("name", "tail"),
    [
        ("notes.txt", ELF),
        ("notes.txt", PE),
        ("rows.csv", ELF),
        ("rows.csv", b"\x00" * 64),
        ("notes.txt", b"more text \x01\x02\x03\x04 then controls no text has"),
    ],
    ids=["txt-elf", "txt-pe", "csv-elf", "csv-nul", "txt-control-bytes"],
)
def test_text_with_binary_after_the_first_9_kb_is_refused(program_page, tmp_path, name, tail):
    assert len(TEXT) > 9 * 1024
    response = program_page(name, TEXT + tail)
    assert response.status_code == 200
    assert NOT_TEXT in response.text
    assert not Document.objects.exists()
    assert not stored(tmp_path)


def test_binary_at_the_very_end_of_a_file_near_the_limit_is_refused(
    program_page, settings, tmp_path
):
    settings.MAX_UPLOAD_MB = 1
    content = b"a" * (1024 * 1024 - len(ELF)) + ELF
    assert len(content) == 1024 * 1024
    response = program_page("notes.txt", content)
    assert NOT_TEXT in response.text
    assert not Document.objects.exists()
    assert not stored(tmp_path)


def test_a_large_legitimate_text_file_near_the_limit_is_accepted(program_page, settings, tmp_path):
    settings.MAX_UPLOAD_MB = 1
    # Multi-byte UTF-8 (é, €) falls across every chunk boundary; tabs, CR LF, form feed,
    # and a Windows-1252 byte (0x92) are text too.
    line = "Zeile\tnuméro\t€ 12,50\t".encode() + b"it\x92s fine\r\n"
    content = (line * (1024 * 1024 // len(line) + 1))[: 1024 * 1024 - 3] + b"\x0c\r\n"
    assert len(content) == 1024 * 1024
    response = program_page("export.csv", content)
    assert response.status_code == 302, response.text[:2000]
    doc = Document.objects.get()
    assert doc.size == len(content)
    [path] = stored(tmp_path)
    assert path.read_bytes() == content


class SpyFile(io.BytesIO):
    """Records how much each read asks for."""

    def __init__(self, content):
        super().__init__(content)
        self.reads = []

    def read(self, size=-1):
        self.reads.append(size)
        return super().read(size)


def spied(name, content):
    upload = SimpleUploadedFile(name, content)
    upload.file = SpyFile(content)
    return upload


def test_the_check_streams_in_bounded_chunks(settings):
    settings.MAX_UPLOAD_MB = 4
    content = TEXT * 400  # ~3.9 MB of text
    upload = spied("notes.txt", content)
    validate_upload(upload)
    reads = upload.file.reads
    assert reads and all(size is not None and 0 < size <= 256 * 1024 for size in reads), reads
    assert sum(reads) >= len(content)  # every byte was looked at
    assert upload.file.tell() == 0  # left ready to be saved

    refused = spied("notes.txt", content + ELF)
    with pytest.raises(ValidationError) as error:
        validate_upload(refused)
    assert error.value.messages == [NOT_TEXT]
    assert all(0 < size <= 256 * 1024 for size in refused.file.reads)
    assert refused.file.tell() == 0


def test_the_check_never_reads_past_the_limit(settings):
    settings.MAX_UPLOAD_MB = 1
    upload = spied("notes.txt", b"a" * (3 * 1024 * 1024))
    upload.size = 10  # a size that lies: the content is what counts
    with pytest.raises(ValidationError) as error:
        validate_upload(upload)
    assert error.value.messages == ["The file is over the limit of 1 MB."]
    assert sum(upload.file.reads) <= 1024 * 1024 + 256 * 1024


def test_binary_in_the_first_kilobytes_is_still_refused(settings):
    with pytest.raises(ValidationError) as error:
        validate_upload(SimpleUploadedFile("notes.txt", b"abc\x00def"))
    assert error.value.messages == [NOT_TEXT]
