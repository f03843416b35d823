from django.apps import AppConfig


class ForaConfig(AppConfig):
    name = "fora"
    verbose_name = "Fora"

    def ready(self):
        from fora import panels

        panels.register()
