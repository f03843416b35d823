"""Display helpers for packets."""

from django import template

register = template.Library()


@register.filter
def seconds(duration):
    """A duration as “4.2 s” or “2 min 05 s”; “—” when there is none."""
    if duration is None:
        return "—"
    total = duration.total_seconds()
    if total < 60:
        return f"{total:.1f} s"
    minutes, rest = divmod(int(round(total)), 60)
    return f"{minutes} min {rest:02d} s"
