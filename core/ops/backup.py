"""Backups of the portal's data: the database and the uploaded files, with a manifest.

A backup is one folder, `backups/icportal-<database>-<UTC time>/`, holding

- `database.dump`: PostgreSQL: `pg_dump --format=custom`, taken in the same snapshot as
  the manifest's row counts; SQLite (the embedded default): a consistent copy of the
  file made through SQLite's online backup API (safe while the portal runs);
- `media.tar`: everything under MEDIA_ROOT (documents, packets);
- `manifest.json`: when, from which database, the dump tool's and the server's versions,
  the applied migrations, row counts per table and per model, sizes and SHA-256 sums.

Restoring checks the sums, refuses a target database that already has tables (unless
forced), restores, then compares every table's row count with the manifest. Any other
database engine is refused: use that engine's own tools.

Run as `manage.py backup [--output DIR]` and `manage.py restore FOLDER [--force]` (what
`make backup` and `make restore` do), with DATABASE_URL and MEDIA_ROOT read from the
environment like the portal's settings. The two commands (core/management/commands/)
are thin: they parse their options and call `BackupCommand.run()` below.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

FORMAT = 1
DUMP = "database.dump"
MEDIA = "media.tar"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def engine_of(db):
    engine = db["ENGINE"]
    if engine.endswith(("postgresql", "postgis")):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(
        f"Backups support PostgreSQL and the embedded SQLite database; DATABASE_URL points "
        f"at {engine}. Use that database's own backup tools."
    )


def refuse_engine_before_start(command):
    """`manage.py backup|restore` on a DATABASE_URL of another engine: say so and stop
    before Django starts (with that engine's driver missing, Django's start-up fails
    with a traceback before any command runs)."""
    import environ

    url = os.environ.get("DATABASE_URL")
    if not url:
        return  # the embedded SQLite default
    try:
        engine_of(environ.Env.db_url_config(url))
    except BackupError as exc:
        sys.stderr.write(f"{command.capitalize()} refused: {exc}\n")
        sys.exit(1)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tool(name):
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client (postgresql-client-15)."
        )
    return found


def _version(tool):
    return subprocess.run(  # noqa: S603
        [_tool(tool), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


# PostgreSQL -----------------------------------------------------------------------


def _pg_env(db):
    """libpq's environment for pg_dump/pg_restore: no password on a command line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def _pg_connect(db, dbname=None):
    import psycopg2

    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if k in ("sslmode",)}
    return psycopg2.connect(
        dbname=dbname or db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        **options,
    )


def _pg_tables(cursor):
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    )
    return cursor.fetchall()


def _pg_counts(cursor):
    from psycopg2 import sql

    counts = {}
    for schema, table in _pg_tables(cursor):
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
        )
        counts[table if schema == "public" else f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def _pg_backup(db, target):
    """Dump the database in one snapshot and count its rows in that same snapshot."""
    pg_dump = _tool("pg_dump")
    connection = _pg_connect(db)
    try:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            counts = _pg_counts(cursor)
            migrations = _migrations(cursor, counts)
            result = subprocess.run(  # noqa: S603
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    f"--dbname={db['NAME']}",
                ],
                env=_pg_env(db),
                capture_output=True,
                text=True,
            )
        if result.returncode:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    finally:
        connection.rollback()
        connection.close()
    info = {"server_version": server_version, "dump_tool": _version("pg_dump")}
    return counts, migrations, info


def _pg_table_names(db):
    import psycopg2

    try:
        connection = _pg_connect(db)
    except psycopg2.OperationalError as exc:
        raise BackupError(f"Cannot connect to database {db['NAME']}: {exc}".strip()) from exc
    try:
        with connection.cursor() as cursor:
            return [f"{s}.{t}" for s, t in _pg_tables(cursor)]
    finally:
        connection.close()


def _pg_create_if_missing(db):
    """Create the target database through a maintenance database; True if it was created."""
    import psycopg2
    from psycopg2 import sql

    for maintenance in ("postgres", "template1"):
        try:
            admin = _pg_connect(db, maintenance)
        except psycopg2.OperationalError:
            continue
        try:
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
                if cursor.fetchone():
                    return False
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
                return True
        finally:
            admin.close()
    return False  # no maintenance database to ask: the target must exist already


def _pg_prepare_target(db, force):
    """Create the target database if missing; refuse one with tables unless forced.

    Returns (what happened, whether it held tables, so pg_restore must --clean).
    """
    if _pg_create_if_missing(db):
        return "created", False
    tables = _pg_table_names(db)
    if tables and not force:
        shown = ", ".join(tables[:3]) + (", …" if len(tables) > 3 else "")
        raise BackupError(
            f"Database {db['NAME']} is not empty ({len(tables)} tables: {shown}). Restoring "
            f"would replace its data: choose an empty or new database (DATABASE_URL=...), or "
            f"run again with FORCE=1 (--force) to overwrite it."
        )
    return "existing", bool(tables)


def _pg_restore(db, dump, clean):
    pg_restore = _tool("pg_restore")
    command = [
        pg_restore,
        "--no-owner",
        "--no-privileges",
        "--no-password",
        "--single-transaction",  # all or nothing; implies --exit-on-error
        f"--dbname={db['NAME']}",
    ]
    if clean:
        command[1:1] = ["--clean", "--if-exists"]
    result = subprocess.run(  # noqa: S603
        [*command, str(dump)], env=_pg_env(db), capture_output=True, text=True
    )
    if result.returncode:
        raise BackupError(f"pg_restore failed, nothing was restored: {result.stderr.strip()}")
    return command


def _pg_restored_counts(db):
    connection = _pg_connect(db)
    try:
        with connection.cursor() as cursor:
            return _pg_counts(cursor)
    finally:
        connection.close()


# SQLite ---------------------------------------------------------------------------


def _sqlite_counts(connection):
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in names
    }


def _sqlite_backup(db, target):
    source_path = Path(db["NAME"])
    if not source_path.is_file():
        raise BackupError(f"The SQLite database {source_path} does not exist.")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        counts = _sqlite_counts(copy)
        migrations = _migrations(copy.cursor(), counts)
    finally:
        copy.close()
        source.close()
    info = {"server_version": sqlite3.sqlite_version, "dump_tool": "sqlite3 online backup API"}
    return counts, migrations, info


def _sqlite_prepare_target(db, force):
    path = Path(db["NAME"])
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        return "created", False
    connection = sqlite3.connect(path)
    try:
        tables = list(_sqlite_counts(connection))
    finally:
        connection.close()
    if tables and not force:
        raise BackupError(
            f"The SQLite database {path} is not empty ({len(tables)} tables). Restoring would "
            f"replace it: choose a new file (DATABASE_URL=sqlite:///...), or run again with "
            f"FORCE=1 (--force) to overwrite it."
        )
    return "existing", bool(tables)


def _sqlite_restore(db, dump):
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    target = sqlite3.connect(db["NAME"])
    try:
        source.backup(target)  # replaces the whole target database, atomically
        return _sqlite_counts(target)
    finally:
        target.close()
        source.close()


# Shared ---------------------------------------------------------------------------


def _migrations(cursor, counts):
    """The last applied migration of each app (what code the data belongs to)."""
    if "django_migrations" not in counts:  # a database that was never migrated
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    latest = {}
    for app, name in cursor.fetchall():
        latest[app] = name
    return latest


def _model_counts(table_counts):
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in table_counts:
            counts[model._meta.label] = table_counts[table]
    return dict(sorted(counts.items()))


def _tar_media(media_root, target):
    media_root = Path(media_root)
    files = size = 0
    with tarfile.open(target, "w") as archive:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=path.relative_to(media_root).as_posix())
                    files += 1
                    size += path.stat().st_size
    return files, size


def _untar_media(archive_path, media_root):
    with tarfile.open(archive_path) as archive:
        if hasattr(tarfile, "data_filter"):
            # Refuses absolute paths, "..", links out of the folder, devices.
            archive.extractall(media_root, filter="data")
            return
        # Python before 3.11.4: only plain files and folders inside MEDIA_ROOT.
        root = Path(media_root).resolve()
        for member in archive.getmembers():
            target = (root / member.name).resolve()
            if not (member.isfile() or member.isdir()) or not target.is_relative_to(root):
                raise BackupError(f"{archive_path}: refusing the unsafe entry {member.name!r}")
        archive.extractall(media_root)  # noqa: S202 - every entry was checked above


def _media_files(media_root):
    root = Path(media_root)
    return [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []


def _n(count, word):
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _timestamp():
    return datetime.datetime.now(datetime.UTC)


def create_backup(db, media_root, output_dir, log=print):
    """Write a backup folder under `output_dir`; returns its path."""
    engine = engine_of(db)
    started = _timestamp()
    output_dir = Path(output_dir)
    output_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    database_label = Path(db["NAME"]).stem if engine == "sqlite" else db["NAME"]
    name = f"icportal-{database_label}-{started:%Y%m%dT%H%M%SZ}"
    final = output_dir / name
    suffix = 1
    while final.exists() or final.with_name(final.name + ".partial").exists():
        suffix += 1
        final = output_dir / f"{name}-{suffix}"
    # Written under .partial and renamed when complete: a half-made backup never looks whole.
    work = final.with_name(final.name + ".partial")
    work.mkdir(mode=0o700)
    try:
        dump = work / DUMP
        if engine == "postgresql":
            counts, migrations, info = _pg_backup(db, dump)
        else:
            counts, migrations, info = _sqlite_backup(db, dump)
        os.chmod(dump, 0o600)
        # After the dump: every document row in it has its file in the archive.
        files, media_bytes = _tar_media(media_root, work / MEDIA)
        os.chmod(work / MEDIA, 0o600)
        manifest = {
            "format": FORMAT,
            "created_at": started.isoformat().replace("+00:00", "Z"),
            "django": django.get_version(),
            "database": {
                "engine": engine,
                "name": str(db["NAME"]),
                "host": db.get("HOST") or "",
                **info,
                "file": DUMP,
                "bytes": dump.stat().st_size,
                "sha256": sha256(dump),
            },
            "migrations": migrations,
            "tables": counts,
            "models": _model_counts(counts),
            "media": {
                "root": str(media_root),
                "file": MEDIA,
                "files": files,
                "bytes": media_bytes,
                "sha256": sha256(work / MEDIA),
            },
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        os.chmod(work / MANIFEST, 0o600)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    rows = sum(counts.values())
    log(f"Backup written to {final}")
    log(
        f"  database {manifest['database']['name']} ({engine}, {info['dump_tool']}): "
        f"{len(counts)} tables, {rows} rows, {manifest['database']['bytes']} bytes"
    )
    log(f"  media {media_root}: {_n(files, 'file')}, {media_bytes} bytes")
    log(f"  manifest {final / MANIFEST}")
    return final


def read_manifest(backup):
    backup = Path(backup)
    if not (backup / MANIFEST).is_file():
        raise BackupError(f"{backup} is not a backup folder: it has no {MANIFEST}.")
    manifest = json.loads((backup / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{backup}: unknown backup format {manifest.get('format')!r}.")
    for part, name in ((manifest["database"], DUMP), (manifest["media"], MEDIA)):
        path = backup / name
        if not path.is_file() or sha256(path) != part.get("sha256"):
            raise BackupError(f"{path} is missing or damaged (its SHA-256 differs).")
    return manifest


def restore_backup(backup, db, media_root, force=False, log=print):
    """Restore a backup folder into `db` and `media_root`; returns the restored counts."""
    backup = Path(backup)
    manifest = read_manifest(backup)
    engine = engine_of(db)
    if manifest["database"]["engine"] != engine:
        raise BackupError(
            f"This backup is of a {manifest['database']['engine']} database; DATABASE_URL "
            f"points at {engine}. Restore into the same kind of database."
        )
    existing_media = _media_files(media_root)
    if existing_media and not force:
        raise BackupError(
            f"MEDIA_ROOT {media_root} already holds {_n(len(existing_media), 'file')}. Restore "
            f"into an empty folder (MEDIA_ROOT=...), or run again with FORCE=1 (--force)."
        )
    prepare = _pg_prepare_target if engine == "postgresql" else _sqlite_prepare_target
    state, had_tables = prepare(db, force)
    dump = backup / DUMP
    if engine == "postgresql":
        command = _pg_restore(db, dump, clean=had_tables)
        counts = _pg_restored_counts(db)
        how = " ".join([Path(command[0]).name, *command[1:]])
    else:
        counts = _sqlite_restore(db, dump)
        how = "sqlite3 online backup API"
    expected = manifest["tables"]
    wrong = {
        table: (expected[table], counts.get(table))
        for table in expected
        if counts.get(table) != expected[table]
    }
    if wrong:
        raise BackupError(f"Row counts differ from the manifest after the restore: {wrong}")
    media_root = Path(media_root)
    media_root.mkdir(parents=True, exist_ok=True)
    _untar_media(backup / MEDIA, media_root)
    restored_files = manifest["media"]["files"]
    log(f"Restored {backup}")
    log(f"  backup taken {manifest['created_at']} of {manifest['database']['name']}")
    log(
        f"  database {db['NAME']} ({state}{', overwritten' if had_tables else ''}): "
        f"{len(counts)} tables, {sum(counts.values())} rows, counts match the manifest"
    )
    log(f"  with: {how}")
    log(
        f"  media: {_n(restored_files, 'file')} ({manifest['media']['bytes']} bytes) "
        f"into {media_root}"
    )
    return counts


class BackupCommand(BaseCommand):
    """What `manage.py backup` and `manage.py restore` share: no system checks (a restore
    target may be empty or not exist yet, and nothing here needs a working portal), the
    engine checked first, and a refusal printed as one line on stderr with exit code 1.
    A command sets `name` and does its work in `act()`."""

    name = ""  # "Backup" or "Restore": how a refusal starts
    requires_system_checks = []

    def act(self, db, media_root, options):
        raise NotImplementedError

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        try:
            engine_of(db)
            self.act(db, settings.MEDIA_ROOT, options)
        except BackupError as exc:
            self.stderr.write(f"{self.name} refused: {exc}")
            sys.exit(1)
