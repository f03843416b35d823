from django.apps import AppConfig


class ForaConfig(AppConfig):
    name = "fora"
    verbose_name = "Fora"

    def ready(self):
        from django.contrib.auth import get_user_model

        from core import registry
        from core.models import Country
        from core.roles import IC_STAFF, LEADERSHIP, PORTAL_ADMIN, PROGRAM_MANAGER
        from fora import dashboard, panels, signals  # noqa: F401  (receivers)
        from fora.links import linkable_models
        from fora.models import ActionItem, Forum, Meeting

        registry.register_navigation("Fora", "fora:list", order=40)
        registry.grant(IC_STAFF, "fora.add_forum")
        registry.grant(PROGRAM_MANAGER, "fora.add_forum")
        registry.grant(LEADERSHIP, "fora.view_*")
        registry.grant(PORTAL_ADMIN, "fora.*")

        # Every record an agenda item can be about shows the meetings about it.
        for _label, model in linkable_models():
            registry.register_panel(
                model, "Fora meetings", "fora/_meetings_panel.html", panels.meetings_about, 60
            )
        registry.register_panel(
            Country, "Fora", "fora/_country_panel.html", panels.country_fora, 60
        )
        registry.register_panel(
            get_user_model(), "Calendar", "fora/_calendar_panel.html", panels.user_calendar, 60
        )
        registry.register_widget(
            "Meetings in the next 90 days",
            "dashboard/fora_meetings.html",
            dashboard.upcoming_meetings,
            order=40,
        )
        registry.register_widget(
            "My action items", "dashboard/fora_action_items.html", dashboard.my_action_items, 45
        )
        registry.register_widget(
            "Action items across fora",
            "dashboard/fora_overdue.html",
            dashboard.overdue_action_items,
            order=70,
        )
        registry.register_search(Forum, ["name", "acronym", "purpose"], label="Fora")
        registry.register_search(
            Meeting, ["title", "forum__name", "location", "summary", "decisions"], label="Meetings"
        )
        registry.register_search(
            ActionItem,
            ["description", "closure_note", "meeting__forum__name"],
            label="Action items",
        )
