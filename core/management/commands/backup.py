"""`manage.py backup`: write the database and MEDIA_ROOT to a backup folder (core.ops.backup)."""

from core.ops.backup import BackupCommand, create_backup


class Command(BackupCommand):
    name = "Backup"
    help = (
        "Back up the portal's database and uploaded files into one folder "
        "(DATABASE_URL and MEDIA_ROOT from the environment, as for the portal)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", default="backups", help="where to put it (backups/)")

    def act(self, db, media_root, options):
        create_backup(db, media_root, options["output"], log=self.stdout.write)
