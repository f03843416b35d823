from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"

    def ready(self):
        from agreements import panels, signals  # noqa: F401  (panel registry, receivers)
