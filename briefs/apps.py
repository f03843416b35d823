from django.apps import AppConfig


class BriefsConfig(AppConfig):
    name = "briefs"
    verbose_name = "Briefs"

    def ready(self):
        from django.contrib.auth import get_user_model

        from briefs import panels, tasks  # noqa: F401  (tasks: sent by name)
        from briefs.content import country, forum, leadership, program
        from briefs.models import Packet
        from core import registry
        from core.roles import (
            IC_STAFF,
            LEADERSHIP,
            PORTAL_ADMIN,
            PROGRAM_MANAGER,
            TSFD_APPROVER,
            TSFD_REQUESTER,
        )
        from fora.models import Forum
        from programs.models import Program

        registry.register_navigation("Briefs", "briefs:list", order=50)
        registry.register_stylesheet("briefs/briefs.css")
        for role in (IC_STAFF, PROGRAM_MANAGER, TSFD_REQUESTER, TSFD_APPROVER, LEADERSHIP):
            registry.grant(role, "briefs.add_packet")
        registry.grant(PORTAL_ADMIN, "briefs.*")

        template = "briefs/_request_panel.html"
        registry.register_panel(Program, "Brief", template, panels.program_brief, 90)
        registry.register_panel(Forum, "Read-ahead", template, panels.forum_readahead, 90)
        registry.register_panel(
            get_user_model(), "My briefs", "briefs/_my_briefs.html", panels.my_briefs, 90
        )

        registry.register_brief_kind(Packet.Kind.PROGRAM, program.program_brief)
        registry.register_brief_kind(Packet.Kind.COUNTRY, country.country_brief)
        registry.register_brief_kind(Packet.Kind.FORUM, forum.forum_readahead)
        registry.register_brief_kind(Packet.Kind.LEADERSHIP, leadership.leadership_packet)
