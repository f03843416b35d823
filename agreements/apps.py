from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"

    def ready(self):
        from django.contrib.auth import get_user_model

        from agreements import dashboard, panels, signals  # noqa: F401  (receivers)
        from agreements.models import Agreement, Coordination
        from core import registry
        from core.models import Country
        from core.roles import IC_STAFF, LEADERSHIP, PORTAL_ADMIN, PROGRAM_MANAGER
        from programs.models import Program

        registry.register_navigation("Agreements", "agreements:list", order=20)
        registry.register_stylesheet("agreements/agreements.css")
        registry.register_reference_data(
            "agreements.legalauthority",
            "agreements.coordinatingoffice",
            "agreements.noauthorityreason",
        )
        registry.grant(IC_STAFF, "agreements.add_agreement")
        registry.grant(PROGRAM_MANAGER, "agreements.add_agreement")
        registry.grant(LEADERSHIP, "agreements.view_*", "agreements.approve_agreement")
        registry.grant(PORTAL_ADMIN, "agreements.*")

        template = "agreements/_agreements_panel.html"
        registry.register_panel(Program, "Agreements", template, panels.program_agreements)
        registry.register_panel(Country, "Agreements", template, panels.country_agreements)
        registry.register_panel(get_user_model(), "My agreements", template, panels.my_agreements)
        registry.register_panel(
            Country,
            "Agreements in coordination",
            "agreements/_coordination_panel.html",
            panels.country_coordination,
        )
        registry.register_widget(
            "Agreements due for action", "dashboard/agreements_due.html", dashboard.due, order=30
        )
        registry.register_widget(
            "Agreement pipeline", "dashboard/agreements_pipeline.html", dashboard.pipeline, 60
        )
        registry.register_search(
            Agreement,
            [
                "number",
                "title",
                "summary",
                "legal_authority__name",
                "responsible_official__last_name",
            ],
            label="Agreements",
        )
        registry.register_search(
            Coordination,
            [
                "agreement__number",
                "agreement__title",
                "office__name",
                "office__short_name",
                "comment",
            ],
            label="Agreement coordination",
        )
