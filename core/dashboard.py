"""Home-page widgets: each app registers what its users need to see today.

A widget is (title, template, context function), registered in the app's
AppConfig.ready() (core.registry.register_widget). The function gets the user and
returns a dict for the template, or None when the widget has nothing for this user
(e.g. the reviewer queue for someone who reviews nothing). Every function reads through
core.permissions, so no number or list on the home page counts what the user may not see.
"""

from django.template.loader import render_to_string

from core.registry import registry


def data_quality(user):
    """How many records the user is responsible for (and may see) the last audit found
    breaking a rule; nothing when none."""
    from core.quality import current_run, records_needing_attention

    run = current_run()
    count = records_needing_attention(user, run) if run is not None else 0
    return {"count": count, "run": run} if count else None


def widgets_for(request):
    """[(widget, html)] of every widget with something for this user."""
    rendered = []
    for widget in registry["widgets"]:
        context = widget.context(request.user)
        if context is None:
            continue
        html = render_to_string(widget.template, {**context, "user": request.user}, request=request)
        rendered.append((widget, html))
    return rendered
