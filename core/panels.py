"""Related panels: how one app shows its records on another app's pages.

The agreements app, for example, adds an "Agreements" section to every program (and
every country) without the programs app or core knowing about agreements. An app
registers its panels in its AppConfig.ready() (core.registry.register_panel); this
module renders them on the page of a record:

    register_panel(Program, "Agreements", "agreements/_agreements_panel.html",
                   lambda program, user: {"agreements": restrict(...)})

`context` must read through core.permissions, so a panel never shows what the user
may not see.
"""

from django.template.loader import render_to_string

from core.registry import registry


class RenderedPanel(tuple):
    """(panel, html), plus the records the panel showed, for the page's marking."""

    records = ()


def panels_for(obj, request):
    """(panel, html) for every panel registered on obj's model, in order.

    A panel's context may include `marking_records`: the records it displays, so the
    page banner rises to the most restrictive marking among them.
    """
    rendered = []
    for panel in registry["panels"]:
        if isinstance(obj, panel.model):
            extra = panel.context(obj, request.user)
            context = {"object": obj, "request": request, "user": request.user, **extra}
            item = RenderedPanel(
                (panel, render_to_string(panel.template, context, request=request))
            )
            item.records = list(extra.get("marking_records", ()))
            rendered.append(item)
    return rendered


def marking_records(rendered):
    return [record for item in rendered for record in getattr(item, "records", ())]
