"""Select widgets rendered in Python.

Django renders every <option> through a template (about 50 µs each); a filter panel
with the country list and the user list spent more time on options than a whole
admin page. These widgets produce the same HTML directly.
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


class FastSelectMixin:
    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        multiple = " multiple" if self.allow_multiple_selected else ""
        parts = [format_html('<select name="{}"{}{}>', name, flatatt(final), mark_safe(multiple))]  # noqa: S308
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
    def _option(value, label, chosen):
        value = "" if value is None else str(value)
        selected = " selected" if value in chosen else ""
        return '<option value="%s"%s>%s</option>' % (  # noqa: UP031
            conditional_escape(value),
            selected,
            conditional_escape(label),
        )


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


FAST = {forms.Select: FastSelect, forms.SelectMultiple: FastSelectMultiple}
