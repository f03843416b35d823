from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"

    def ready(self):
        from core import registry
        from core.models import Country
        from core.roles import IC_STAFF, LEADERSHIP, PORTAL_ADMIN, PROGRAM_MANAGER
        from programs import dashboard, panels
        from programs.models import Program

        registry.register_navigation("Programs", "programs:list", order=10)
        registry.grant(IC_STAFF, "programs.add_program")
        registry.grant(PROGRAM_MANAGER, "programs.add_program")
        registry.grant(LEADERSHIP, "programs.view_*")
        registry.grant(PORTAL_ADMIN, "programs.*")

        # Before every other app's panel on the country page.
        registry.register_panel(
            Country, "Programs", "programs/_country_panel.html", panels.country_programs, 10
        )
        registry.register_widget(
            "My programs", "dashboard/my_programs.html", dashboard.my_programs, 10, wide=True
        )
        registry.register_widget(
            "Milestones due or overdue",
            "dashboard/milestones_due.html",
            dashboard.milestones_due,
            20,
        )
        registry.register_widget(
            "Portfolio", "dashboard/portfolio.html", dashboard.portfolio, order=5, wide=True
        )
        registry.register_search(
            Program,
            [
                "code",
                "name",
                "summary",
                "objectives",
                "health_reason",
                "us_lead__name",
                "program_manager__first_name",
                "program_manager__last_name",
            ],
            label="Programs",
        )
