"""Related panels: how one app shows its records on another app's detail page.

The agreements app, for example, adds an "Agreements" tab to every program without
the programs app knowing about agreements. Register in your AppConfig.ready():

    panels.register(Program, "Agreements", "agreements/_program_panel.html",
                    lambda program, user: {"agreements": restrict(...)})

`context` must read through core.permissions, so a panel never shows what the user
may not see.
"""

from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class Panel:
    model: type
    title: str
    template: str
    context: object  # callable(obj, user) -> dict
    order: int = 50

    @property
    def anchor(self):
        return self.title.lower().replace(" ", "-")


_PANELS = []


def register(model, title, template, context, order=50):
    _PANELS.append(Panel(model, title, template, context, order))
    _PANELS.sort(key=lambda p: p.order)


class RenderedPanel(tuple):
    """(panel, html), plus the records the panel showed, for the page's marking."""

    records = ()


def panels_for(obj, request):
    """(panel, html) for every panel registered on obj's model, in order.

    A panel's context may include `marking_records`: the records it displays, so the
    page banner rises to the most restrictive marking among them.
    """
    rendered = []
    for panel in _PANELS:
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
