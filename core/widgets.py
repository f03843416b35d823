"""Select widgets rendered in Python.

Django renders every <option> through a template (about 50 µs each); a filter panel
with the country list and the user list spent more time on options than a whole
admin page. These widgets produce the same HTML directly.
"""

import logging
import time

from django import forms
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from core.registry import registry


# Reference data that every signed-in user may list, whatever their teams: the options
# of a select over these models are the same for everyone, so each process keeps them
# (escaped) instead of querying and escaping hundreds of rows per page. Record models
# (programs, agreements, …) are never cached: their options depend on who asks. The
# apps name their reference models in AppConfig.ready() (core.registry).
def is_cached_choice_model(label):
    return label == "auth.user" or label in registry["reference_data"]


# A change to one of those models bumps its generation in the shared cache (Redis in
# production), so every process drops its copy at once; the age limit is a backstop.
CHOICES_MAX_AGE = 300
_options = {}
logger = logging.getLogger(__name__)


def _generation_key(label):
    return f"choices-generation:{label}"


def _bump(sender, **kwargs):
    label = sender._meta.label_lower
    if not is_cached_choice_model(label):
        return
    _options.clear()  # this process at once, whatever the shared cache says
    try:
        try:
            cache.incr(_generation_key(label))
        except ValueError:  # not set yet
            cache.set(_generation_key(label), 1, None)
    except Exception:  # noqa: BLE001 — the cache (Redis) is down: the age limit applies
        logger.warning("choices cache: could not record a change to %s", label)


def _bump_m2m(sender, instance, **kwargs):
    _bump(type(instance))


post_save.connect(_bump, dispatch_uid="choices_bump_save")
post_delete.connect(_bump, dispatch_uid="choices_bump_delete")
m2m_changed.connect(_bump_m2m, dispatch_uid="choices_bump_m2m")


def _escaped(value, label):
    value = "" if value is None else str(value)
    return (value, str(conditional_escape(value)), str(conditional_escape(label)))


def cached_options(choices):
    """[(value, escaped value, escaped label)] of a select over reference data, kept
    per process; None for any other choices (those are read fresh on every render)."""
    if not isinstance(choices, ModelChoiceIterator):
        return None
    queryset, field = choices.queryset, choices.field
    label = queryset.model._meta.label_lower
    if not is_cached_choice_model(label):
        return None
    labeller = getattr(field.label_from_instance, "__func__", field.label_from_instance)
    key = (
        label,
        str(queryset.query),
        field.to_field_name,
        field.empty_label,
        labeller.__module__,
        labeller.__qualname__,
    )
    try:
        generation = cache.get(_generation_key(label), 0)
    except Exception:  # noqa: BLE001 — the cache (Redis) is down: read the options fresh
        return None
    kept = _options.get(key)
    now = time.monotonic()
    if kept and kept[0] == generation and now - kept[1] < CHOICES_MAX_AGE:
        return kept[2]
    options = [_escaped(value, text) for value, text in choices]
    if len(_options) > 500:
        _options.clear()
    _options[key] = (generation, now, options)
    return options


class FastSelectMixin:
    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        multiple = " multiple" if self.allow_multiple_selected else ""
        parts = [format_html('<select name="{}"{}{}>', name, flatatt(final), mark_safe(multiple))]  # noqa: S308
        kept = cached_options(self.choices)
        if kept is not None:
            parts += [self._escaped_option(*option, chosen) for option in kept]
        else:
            for option_value, label in self.choices:
                if isinstance(label, list | tuple):  # an optgroup
                    parts.append(format_html('<optgroup label="{}">', option_value))
                    parts += [self._option(v, sub, chosen) for v, sub in label]
                    parts.append("</optgroup>")
                else:
                    parts.append(self._option(option_value, label, chosen))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every piece escaped)

    @staticmethod
    def _escaped_option(value, escaped_value, escaped_label, chosen):
        selected = " selected" if value in chosen else ""
        return f'<option value="{escaped_value}"{selected}>{escaped_label}</option>'

    @classmethod
    def _option(cls, value, label, chosen):
        return cls._escaped_option(*_escaped(value, label), chosen)


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


FAST = {forms.Select: FastSelect, forms.SelectMultiple: FastSelectMultiple}
