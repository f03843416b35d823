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
        from core import auth, registry, search, signals, widgets  # noqa: F401  (receivers)
        from core.audit import record_audited
        from core.dashboard import data_quality
        from core.follows import on_record_audited
        from core.models import Contact, Organization
        from core.roles import IC_STAFF, LEADERSHIP, PORTAL_ADMIN, PROGRAM_MANAGER

        registry.register_reference_data("core.country", "core.organization", "core.contact")
        for role in (IC_STAFF, PROGRAM_MANAGER):
            registry.grant(
                role,
                "core.add_organization",
                "core.change_organization",
                "core.add_contact",
                "core.change_contact",
            )
        registry.grant(LEADERSHIP, "core.view_document")
        registry.grant(PORTAL_ADMIN, "core.*", "auth.*", "guardian.*")

        registry.register_search(
            Organization, ["name", "acronym", "country__name", "kind"], label="Organisations"
        )
        registry.register_search(
            Contact, ["name", "title", "email", "organization__name"], label="Contacts"
        )
        registry.register_widget(
            "Records needing attention", "dashboard/data_quality.html", data_quality, order=8
        )
        registry.register_navigation("Data quality", "core:data-quality", order=90)

        # Followers hear of every audited change.
        record_audited.connect(on_record_audited, dispatch_uid="core_follows_audited")

        # After every migrate, so permissions of apps added later reach their roles.
        post_migrate.connect(_sync_roles, dispatch_uid="core_sync_roles")
