from django.apps import AppConfig


class TSFDConfig(AppConfig):
    name = "tsfd"
    verbose_name = "TSFD"

    def ready(self):
        from core import search
        from tsfd import panels  # noqa: F401  (panel registry)
        from tsfd.models import DisclosureRequest

        search.register(
            DisclosureRequest,
            [
                "number",
                "title",
                "technology",
                "purpose",
                "recipient_country__name",
                "recipient_organization__name",
            ],
            label="Disclosure requests",
            title=lambda r: f"{r.number} {r.title}",
        )
