"""Load demo data (idempotent) and print the demo logins."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand

from core import rules
from core.audit import audit_context
from core.demo import DEMO_USERS


class Command(BaseCommand):
    help = "Create demo users of every role and realistic fictional data. Safe to re-run."

    def handle(self, *args, **options):
        context = {}
        # One batch: cross-row rules (cost shares) are checked on the loaded data, once.
        with rules.batch(), audit_context(source="seed_demo"):
            # Each installed app's demo.py, in INSTALLED_APPS order (core's users first).
            for app in apps.get_app_configs():
                if find_spec(f"{app.name}.demo") is not None:
                    import_module(f"{app.name}.demo").seed(context)
        from core.search import rebuild

        rebuild()  # records loaded before their app registered for search are indexed too
        from core.quality import run_audit

        run_audit()  # the Data quality page shows a first run, not an empty page
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {context['password']})")
        for username, first, last, role in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {first} {last:<10} {role}")
