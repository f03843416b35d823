"""`manage.py backup` and `manage.py restore` (run by `make backup` and `make restore`)
round-trip the data: every table, the audit history, the uploaded files.

The PostgreSQL test commits real data (transaction=True), runs the real make targets
against the test database, restores into a new database and compares the two.
"""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from core.audit import audit_context
from core.models import AuditEntry, Document
from programs.models import Milestone, Program
from tests.agreements.factories import AgreementFactory, with_participants
from tests.fora.factories import MeetingFactory
from tests.fora.factories import with_children as meeting_with_children
from tests.programs.factories import ProgramFactory, with_children
from tests.tsfd.factories import draft

ROOT = settings.BASE_DIR
DOMAIN_APPS = ("core", "programs", "agreements", "tsfd", "fora", "briefs")
# Bytes that are not text: a restore must not re-encode anything.
# Every byte value, behind a PDF signature (a document is checked by its type).
FILE_BYTES = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\r\n\x00end"


def make(*args, **variables):
    """Run a make target of the repository as an operator would: `make restore BACKUP=...`."""
    # Not the variables of an enclosing `make test` (MAKEFLAGS would carry its overrides).
    inherited = ("DJANGO_ALLOW_ASYNC_UNSAFE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")
    return subprocess.run(
        ["make", "--no-print-directory", "-s", *args, *(f"{k}={v}" for k, v in variables.items())],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in inherited},
        capture_output=True,
        text=True,
        timeout=300,
    )


def postgres_url(name):
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def only_backup(folder):
    backups = [p for p in folder.iterdir() if p.is_dir()]
    assert len(backups) == 1, backups
    assert not backups[0].name.endswith(".partial")
    return backups[0]


# PostgreSQL: the real round trip ---------------------------------------------------


def _table_fingerprints(cursor):
    """Every table's row count and a digest of all its rows (in a stable order)."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    prints = {}
    for table in tables:
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
            f'FROM "{table}" t'
        )
        prints[table] = cursor.fetchone()
    return prints


AUDIT_ROWS = (
    "SELECT id, at, action, user_id, content_type_id, object_id, object_repr, root_type_id, "
    "root_id, changes::text, source FROM core_auditentry ORDER BY id"
)


def _sequences(cursor):
    cursor.execute(
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' "
        "ORDER BY sequencename"
    )
    return cursor.fetchall()


def _domain_tables():
    from django.apps import apps

    return {
        model._meta.db_table: model._meta.label
        for app in DOMAIN_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    }


@pytest.fixture
def portal_data(users, settings, tmp_path):
    """Committed records in every app, audited edits and deletes, one uploaded file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    pm = users["pm"]
    with audit_context(pm, "test: backup data"):
        program = with_children(ProgramFactory(program_manager=pm))
        program.health = Program.Health.RED
        program.health_reason = "Partner funding late"
        program.save()
        milestone = Milestone.objects.get(program=program)
        milestone.title = "Critical design review"
        milestone.save()
        spare = Milestone.objects.create(
            program=program, title="Dropped review", planned_date="2027-01-01"
        )
        spare.delete()
        agreement = with_participants(AgreementFactory(responsible_official=pm))
        agreement.programs.add(program)
        draft(users["requester"], program=program, document=False)
        meeting_with_children(MeetingFactory(), owner=None)
        document = Document(
            content_type=ContentType.objects.get_for_model(Program),
            object_id=program.pk,
            title="Cost share annex",
            original_name="annex.pdf",
            size=len(FILE_BYTES),
            checksum=hashlib.sha256(FILE_BYTES).hexdigest(),
            uploaded_by=pm,
        )
        document.file.save("annex.pdf", ContentFile(FILE_BYTES), save=False)
        document.save()
        document.title = "Cost share annex (signed)"
        document.save()
    return {"program": program, "document": document, "media": settings.MEDIA_ROOT}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump needs PostgreSQL")
def test_backup_then_restore_gives_identical_data_history_and_files(portal_data, tmp_path):
    import psycopg2

    source = settings.DATABASES["default"]["NAME"]
    restored = f"{source}_restored_{uuid.uuid4().hex[:8]}"
    backups = tmp_path / "backups"
    restored_media = tmp_path / "restored-media"
    document = portal_data["document"]

    result = make(
        "backup",
        f"BACKUP_DIR={backups}",
        **{
            "DATABASE_URL": postgres_url(source),
            "MEDIA_ROOT": str(portal_data["media"]),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    backup = only_backup(backups)
    assert f"Backup written to {backup}" in result.stdout
    assert {p.name for p in backup.iterdir()} == {"database.dump", "media.tar", "manifest.json"}
    manifest = json.loads((backup / "manifest.json").read_text())

    with connection.cursor() as cursor:
        before = _table_fingerprints(cursor)
        cursor.execute(AUDIT_ROWS)
        history = cursor.fetchall()
        sequences = _sequences(cursor)
    assert manifest["database"]["engine"] == "postgresql"
    assert manifest["database"]["dump_tool"].startswith("pg_dump (PostgreSQL) ")
    assert manifest["tables"] == {table: count for table, (count, _) in before.items()}
    assert manifest["models"]["core.AuditEntry"] == len(history) == AuditEntry.objects.count()
    assert manifest["models"]["programs.Program"] == 1
    assert manifest["media"]["files"] == 1
    assert manifest["migrations"]["core"]
    assert "PASSWORD" not in json.dumps(manifest).upper()

    # The audit history holds creates, updates and deletes, by a user, with old → new.
    actions = {row[2] for row in history}
    assert actions == {"create", "update", "delete"}
    assert AuditEntry.objects.filter(
        object_id=portal_data["program"].pk, action="update", changes__health=["Green", "Red"]
    ).exists()

    target = postgres_url(restored)
    try:
        result = make(
            "restore", f"BACKUP={backup}", DATABASE_URL=target, MEDIA_ROOT=str(restored_media)
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"database {restored} (created)" in result.stdout
        assert "counts match the manifest" in result.stdout
        assert "pg_restore --no-owner" in result.stdout
        assert "media: 1 file" in result.stdout

        db = settings.DATABASES["default"]
        other = psycopg2.connect(
            dbname=restored,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
        )
        try:
            with other.cursor() as cursor:
                after = _table_fingerprints(cursor)
                cursor.execute(AUDIT_ROWS)
                restored_history = cursor.fetchall()
                restored_sequences = _sequences(cursor)
        finally:
            other.close()

        # Every table: same rows (count and content); every domain table is among them.
        assert set(after) == set(before)
        domain = _domain_tables()
        assert set(domain) <= set(after)
        for table in domain:
            assert after[table][0] == before[table][0], f"{domain[table]} row count"
        assert after == before
        for label in (
            "programs.Program",
            "programs.Milestone",
            "agreements.Agreement",
            "tsfd.DisclosureRequest",
            "fora.Meeting",
            "fora.ActionItem",
            "core.Document",
            "core.AuditEntry",
        ):
            table = next(t for t, name in domain.items() if name == label)
            assert after[table][0] > 0, f"{label} has no rows to compare"
        # The audit history is identical, row for row; new ids continue where they stopped.
        assert restored_history == history
        assert restored_sequences == sequences

        # The uploaded file is back under the same name, byte for byte.
        restored_file = restored_media / document.file.name
        assert restored_file.read_bytes() == FILE_BYTES
        assert hashlib.sha256(restored_file.read_bytes()).hexdigest() == document.checksum

        # A second restore into what is now a non-empty database is refused, unchanged...
        result = make(
            "restore",
            f"BACKUP={backup}",
            DATABASE_URL=target,
            MEDIA_ROOT=str(tmp_path / "elsewhere"),
        )
        assert result.returncode != 0
        assert "not empty" in result.stderr and "FORCE=1" in result.stderr
        # ...unless forced: pg_restore --clean --if-exists replaces it, counts still match.
        result = make(
            "restore",
            f"BACKUP={backup}",
            "FORCE=1",
            DATABASE_URL=target,
            MEDIA_ROOT=str(restored_media),
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "--clean --if-exists" in result.stdout and "overwritten" in result.stdout
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


def test_a_damaged_backup_is_refused(tmp_path):
    folder = tmp_path / "icportal-x"
    folder.mkdir()
    (folder / "database.dump").write_bytes(b"dump")
    (folder / "media.tar").write_bytes(b"tar")
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "format": 1,
                "database": {"engine": "sqlite", "file": "database.dump", "sha256": "0" * 64},
                "media": {"file": "media.tar", "sha256": "0" * 64},
            }
        )
    )
    result = make(
        "restore",
        f"BACKUP={folder}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'target.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    assert result.returncode != 0
    assert "damaged" in result.stderr
    assert not (tmp_path / "target.sqlite3").exists()


# Other engines -----------------------------------------------------------------------


def test_backup_refuses_a_database_it_cannot_dump(tmp_path):
    result = make(
        "backup",
        f"BACKUP_DIR={tmp_path}",
        DATABASE_URL="mysql://portal:secret@127.0.0.1:3306/icportal",
    )
    # manage.py refuses before Django starts (without the MySQL driver it could not).
    assert result.returncode != 0
    assert "Backup refused: Backups support PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr
    assert "secret" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@pytest.mark.parametrize("command", ["backup", "restore"])
def test_the_commands_refuse_a_database_engine_they_cannot_dump(command, settings, tmp_path):
    settings.DATABASES = {
        "default": {
            **settings.DATABASES["default"],
            "ENGINE": "django.db.backends.mysql",
            "PASSWORD": "secret",
        }
    }
    args = ["--output", str(tmp_path)] if command == "backup" else [str(tmp_path / "icportal-x")]
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command(command, *args, stdout=stdout, stderr=stderr)
    assert exit_.value.code == 1
    assert stderr.getvalue().startswith(
        f"{command.capitalize()} refused: Backups support PostgreSQL"
    )
    assert "secret" not in stdout.getvalue() + stderr.getvalue()
    assert list(tmp_path.iterdir()) == []


def test_restore_without_backup_says_how(tmp_path):
    result = make("restore")
    assert result.returncode != 0
    assert "usage: make restore BACKUP=" in result.stderr


def test_embedded_sqlite_is_backed_up_with_the_online_backup_api(tmp_path):
    """The embedded default: a consistent copy of the SQLite file, restored the same way."""
    database = tmp_path / "portal.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE core_auditentry (id INTEGER PRIMARY KEY, changes TEXT)")
        db.executemany(
            "INSERT INTO core_auditentry (changes) VALUES (?)", [("{}",), ('{"a": [1, 2]}',)]
        )
    media = tmp_path / "media"
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "a.bin").write_bytes(FILE_BYTES)
    backups = tmp_path / "backups"

    result = make(
        "backup",
        f"BACKUP_DIR={backups}",
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(media),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    backup = only_backup(backups)
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["engine"] == "sqlite"
    assert manifest["tables"] == {"core_auditentry": 2}
    assert manifest["models"] == {"core.AuditEntry": 2}

    target = tmp_path / "restored" / "portal.sqlite3"
    restored_media = tmp_path / "restored" / "media"
    result = make(
        "restore",
        f"BACKUP={backup}",
        DATABASE_URL=f"sqlite:///{target}",
        MEDIA_ROOT=str(restored_media),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(target) as db:
        rows = db.execute("SELECT id, changes FROM core_auditentry ORDER BY id").fetchall()
    assert rows == [(1, "{}"), (2, '{"a": [1, 2]}')]
    assert (restored_media / "documents" / "a.bin").read_bytes() == FILE_BYTES

    result = make(
        "restore",
        f"BACKUP={backup}",
        DATABASE_URL=f"sqlite:///{target}",
        MEDIA_ROOT=str(tmp_path / "other-media"),
    )
    assert result.returncode != 0 and "not empty" in result.stderr
