from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"

    def ready(self):
        from agreements import panels, signals  # noqa: F401  (panel registry, receivers)
        from agreements.models import Agreement
        from core import search

        search.register(
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
