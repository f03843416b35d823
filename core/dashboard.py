"""Home-page widgets: each app registers what its users need to see today.

A widget is (title, template, context function). The function gets the user and
returns a dict for the template, or None when the widget has nothing for this user
(e.g. the reviewer queue for someone who reviews nothing). Every function reads through
core.permissions, so no number or list on the home page counts what the user may not see.
"""

from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class Widget:
    title: str
    template: str
    context: object
    order: int = 50
    wide: bool = False


_WIDGETS = []


def register(title, template, context, order=50, wide=False):
    _WIDGETS.append(Widget(title, template, context, order, wide))
    _WIDGETS.sort(key=lambda w: w.order)


def _discover():
    """Each domain app's `dashboard.register_widgets`, once."""
    from importlib import import_module
    from importlib.util import find_spec

    from core.roles import DOMAIN_APPS

    if _WIDGETS:
        return
    for app in DOMAIN_APPS:
        if app != "core" and find_spec(f"{app}.dashboard") is not None:
            import_module(f"{app}.dashboard").register_widgets(register)
    register("Records needing attention", "dashboard/data_quality.html", data_quality, order=8)


def data_quality(user):
    """How many records the user is responsible for (and may see) the last audit found
    breaking a rule; nothing when none."""
    from core.quality import current_run, records_needing_attention

    run = current_run()
    count = records_needing_attention(user, run) if run is not None else 0
    return {"count": count, "run": run} if count else None


def widgets_for(request):
    """[(widget, html)] of every widget with something for this user."""
    _discover()
    rendered = []
    for widget in _WIDGETS:
        context = widget.context(request.user)
        if context is None:
            continue
        html = render_to_string(widget.template, {**context, "user": request.user}, request=request)
        rendered.append((widget, html))
    return rendered
