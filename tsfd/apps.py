from django.apps import AppConfig


class TSFDConfig(AppConfig):
    name = "tsfd"
    verbose_name = "TSFD"

    def ready(self):
        from django.contrib.auth import get_user_model

        from agreements.models import Agreement
        from core import registry
        from core.models import Country
        from core.roles import (
            LEADERSHIP,
            PORTAL_ADMIN,
            PROGRAM_MANAGER,
            TSFD_APPROVER,
            TSFD_REQUESTER,
            TSFD_REVIEWER,
        )
        from programs.models import Program
        from tsfd import dashboard, panels, signals  # noqa: F401  (receivers)
        from tsfd.models import DelegationLetter, DisclosureRequest, Release

        registry.register_navigation("TSFD", "tsfd:list", order=30)
        registry.register_stylesheet("tsfd/tsfd.css")
        registry.register_reference_data(
            "tsfd.reviewarea", "tsfd.informationcategory", "tsfd.ndplevel", "tsfd.standardproviso"
        )
        registry.grant(PROGRAM_MANAGER, "tsfd.add_disclosurerequest")
        registry.grant(TSFD_REQUESTER, "tsfd.add_disclosurerequest")
        registry.grant(TSFD_REVIEWER, "tsfd.review_disclosurerequest")
        registry.grant(
            TSFD_APPROVER,
            "tsfd.view_disclosurerequest",
            "tsfd.change_disclosurerequest",
            "tsfd.view_review",
            "tsfd.view_proviso",
            "tsfd.decide_disclosurerequest",
            "tsfd.view_release",
            "tsfd.add_release",
            "tsfd.view_delegationletter",
            "tsfd.add_delegationletter",
            "tsfd.change_delegationletter",
        )
        # The DDL library is read by whoever raises, reviews or follows cases.
        for role in (TSFD_REQUESTER, TSFD_REVIEWER, PROGRAM_MANAGER):
            registry.grant(role, "tsfd.view_delegationletter")
        registry.grant(LEADERSHIP, "tsfd.view_*")
        registry.grant(PORTAL_ADMIN, "tsfd.*")

        template = "tsfd/_requests_panel.html"
        registry.register_panel(Country, "TSFD requests", template, panels.country_requests, 60)
        registry.register_panel(
            Country, "NDP levels", "tsfd/_ndp_panel.html", panels.country_ndp_levels, 61
        )
        registry.register_panel(Country, "DDLs", "tsfd/_ddl_panel.html", panels.country_ddls, 62)
        registry.register_panel(
            Country, "TSFD releases", "tsfd/_release_panel.html", panels.country_releases, 63
        )
        registry.register_panel(Program, "TSFD", template, panels.program_requests, 60)
        registry.register_panel(Agreement, "TSFD", template, panels.agreement_requests, 60)
        registry.register_panel(get_user_model(), "TSFD", template, panels.my_tsfd, 60)

        registry.register_widget(
            "My TSFD review queue", "dashboard/tsfd_reviews.html", dashboard.my_reviews, order=7
        )
        registry.register_widget(
            "TSFD cases awaiting decision",
            "dashboard/tsfd_decisions.html",
            dashboard.awaiting_decision,
            order=9,
        )
        registry.register_widget(
            "My disclosure requests", "dashboard/tsfd_mine.html", dashboard.my_requests, order=35
        )
        registry.register_widget(
            "TSFD throughput", "dashboard/tsfd_throughput.html", dashboard.throughput, order=65
        )
        registry.register_search(
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
        registry.register_search(
            DelegationLetter,
            ["number", "title", "system", "scope"],
            label="DDLs",
            title=lambda d: f"{d.number} {d.title}",
        )
        registry.register_search(
            Release,
            ["what", "recipient", "request__number"],
            label="TSFD releases",
            title=lambda r: f"Release of {r.released_on:%Y-%m-%d} under {r.request.number}",
        )
