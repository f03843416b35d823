"""`manage.py restore FOLDER`: restore a backup folder (core.ops.backup) into the database
and MEDIA_ROOT, which must be empty unless --force."""

from core.ops.backup import BackupCommand, restore_backup


class Command(BackupCommand):
    name = "Restore"
    help = (
        "Restore a backup folder into the portal's database and MEDIA_ROOT "
        "(DATABASE_URL and MEDIA_ROOT from the environment, as for the portal)."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="the backup folder, e.g. backups/icportal-...")
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite a database that has tables (pg_restore --clean --if-exists) and "
            "write over files already in MEDIA_ROOT",
        )

    def act(self, db, media_root, options):
        restore_backup(
            options["backup"], db, media_root, force=options["force"], log=self.stdout.write
        )
