"""Uploaded documents: checked by content and size, stored under generated names."""

import hashlib
import re
import uuid
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError

# Extension → MIME types a file's content may show. Office formats are ZIP containers.
ALLOWED_TYPES = {
    "pdf": {"application/pdf"},
    "docx": {
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    },
    "xlsx": {
        "application/zip",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    },
    "pptx": {
        "application/zip",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    },
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "txt": {None},
    "csv": {None},
}


# Text types have no signature, so their whole content is read, a chunk at a time.
CHUNK_BYTES = 64 * 1024
# Bytes that never occur in text (file(1)'s table): NUL and the C0 controls other than
# BEL, BS, TAB, LF, VT, FF, CR and ESC, and DEL. Executables and other binaries are full
# of them; any 8-bit text (UTF-8, Windows-1252, Latin-1) has none.
NOT_TEXT = re.compile(rb"[\x00-\x06\x0e-\x1a\x1c-\x1f\x7f]")


def check_text(upload, limit):
    """Refuse binary bytes anywhere in the file, read in chunks and never past `limit`."""
    upload.seek(0)
    seen = 0
    try:
        while chunk := upload.read(CHUNK_BYTES):
            seen += len(chunk)
            if seen > limit:  # a size that understated the content
                raise ValidationError(f"The file is over the limit of {settings.MAX_UPLOAD_MB} MB.")
            if NOT_TEXT.search(chunk):
                raise ValidationError("The file is not plain text.")
    finally:
        upload.seek(0)


def document_path(instance, filename):
    """Files live under generated names; the user's file name is kept only as data."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"documents/{uuid.uuid4().hex}{suffix}"


def validate_upload(upload):
    """Refuse files that are too large or whose content does not match an allowed type."""
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            f"The file is {upload.size / 1048576:.1f} MB; the limit is {settings.MAX_UPLOAD_MB} MB."
        )
    if upload.size == 0:
        raise ValidationError("The file is empty.")
    extension = PurePath(upload.name).suffix.lower().lstrip(".")
    if extension not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise ValidationError(f"Files of type “.{extension}” are not accepted. Allowed: {allowed}.")
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    detected = kind.mime if kind else None
    if detected not in ALLOWED_TYPES[extension]:
        if detected is None and None not in ALLOWED_TYPES[extension]:
            raise ValidationError(f"The file's content is not a valid .{extension} file.")
        if detected is not None:
            raise ValidationError(
                f"The file is named .{extension} but its content is {detected}: it was refused."
            )
    if None in ALLOWED_TYPES[extension]:
        check_text(upload, limit)


def sha256_of(upload):
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
