"""Re-index every searchable record (after a bulk load or a restore)."""

from django.core.management.base import BaseCommand

from core.search import rebuild


class Command(BaseCommand):
    help = "Rebuild the global search index from the records."

    def handle(self, *args, **options):
        self.stdout.write(f"Indexed {rebuild()} records.")
