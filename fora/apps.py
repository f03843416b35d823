from django.apps import AppConfig


class ForaConfig(AppConfig):
    name = "fora"
    verbose_name = "Fora"

    def ready(self):
        from fora import panels, signals  # noqa: F401  (receivers)

        panels.register()

        from core import search
        from fora.models import ActionItem, Forum, Meeting

        search.register(Forum, ["name", "acronym", "purpose"], label="Fora")
        search.register(
            Meeting, ["title", "forum__name", "location", "summary", "decisions"], label="Meetings"
        )
        search.register(
            ActionItem,
            ["description", "closure_note", "meeting__forum__name"],
            label="Action items",
        )
