from django.apps import AppConfig


class ForaConfig(AppConfig):
    name = "fora"
