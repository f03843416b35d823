from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, using="default", **kwargs):
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    # post_migrate fires once per app; permissions exist for all apps only at the last.
    if sender is not [a for a in apps.get_app_configs() if a.models_module][-1]:
        return

    from core.roles import sync_roles

    sync_roles(Group.objects.db_manager(using).model, Permission)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core import auth, search, signals, widgets  # noqa: F401  (signal receivers)
        from core.models import Contact, Organization

        search.register(
            Organization, ["name", "acronym", "country__name", "kind"], label="Organisations"
        )
        search.register(Contact, ["name", "title", "email", "organization__name"], label="Contacts")

        # After every migrate, so permissions of apps added later reach their roles.
        post_migrate.connect(_sync_roles, dispatch_uid="core_sync_roles")
