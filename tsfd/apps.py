from django.apps import AppConfig


class TSFDConfig(AppConfig):
    name = "tsfd"
