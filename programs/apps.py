from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"

    def ready(self):
        from core import search
        from programs.models import Program

        search.register(
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
