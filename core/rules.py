"""The rules every stored value obeys, checked in the model layer on every write path.

A domain record runs `check_rules()` before each save (forms, API, CSV import, bulk
edit, admin, workflow, demo loader, shell): field rules that hold for every model
(no control characters in text, dates in a plausible window, patterns declared by the
model) and the model's own `clean()`. Rules that span several rows (cost shares that
add up to 100%) run once per batch of writes: inside `batch()` they are deferred to the
end of the block, still inside its transaction, so a refused batch leaves nothing behind.

The data-quality audit (core.quality) runs the same rules over what is already stored.
"""

import contextlib
import contextvars
import datetime
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction

# Tabs and line breaks are text; any other control character is not.
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def date_window():
    """(first, last) date any date field may hold (settings.DATE_MIN_YEAR/DATE_MAX_YEAR)."""
    return (
        datetime.date(getattr(settings, "DATE_MIN_YEAR", 1950), 1, 1),
        datetime.date(getattr(settings, "DATE_MAX_YEAR", 2100), 12, 31),
    )


def control_characters(text, multiline):
    """The control characters in `text` (line breaks and tabs allowed only if multiline)."""
    found = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf") and not (multiline and ch in _ALLOWED_CONTROLS):
            found.append(ch)
    return found


def field_problems(instance):
    """{field name: message} for the rules every field of every record obeys."""
    problems = {}
    first, last = date_window()
    patterns = instance.value_patterns() if hasattr(instance, "value_patterns") else {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        if value in (None, ""):
            continue
        label = str(field.verbose_name)
        if isinstance(field, models.CharField | models.TextField) and isinstance(value, str):
            if control_characters(value, multiline=isinstance(field, models.TextField)):
                problems[field.name] = (
                    f"The {label} contains control characters; type plain text only."
                )
                continue
            if field.name in patterns:
                pattern, example = patterns[field.name]
                if not re.fullmatch(pattern, value):
                    problems[field.name] = (
                        f"The {label} “{value}” does not follow the pattern {example}."
                    )
        elif isinstance(field, models.DateField) and isinstance(value, datetime.date):
            day = value.date() if isinstance(value, datetime.datetime) else value
            if not first <= day <= last:
                problems[field.name] = (
                    f"The {label} {day.isoformat()} is outside {first.year}–{last.year}; "
                    "check the year."
                )
        elif (
            isinstance(field, models.DecimalField | models.IntegerField | models.FloatField)
            and not field.is_relation
            and field.name not in ("id", "version", *getattr(instance, "allow_negative", ()))
            and value < 0
        ):
            problems[field.name] = f"The {label} cannot be negative."
    return problems


_deferred = contextvars.ContextVar("deferred_rules", default=None)


@contextlib.contextmanager
def batch():
    """Writes inside the block are checked together at its end (cross-row rules run once,
    on the final state); the block is one transaction, so a refusal undoes all of it."""
    if _deferred.get() is not None:  # already inside a batch: the outer one checks
        yield
        return
    pending = {}
    token = _deferred.set(pending)
    try:
        with transaction.atomic():
            yield
            while pending:
                _key, check = pending.popitem()
                check()
    finally:
        _deferred.reset(token)


def after_write(key, check):
    """Run `check` (raises ValidationError) now, or at the end of the current batch."""
    pending = _deferred.get()
    if pending is None:
        check()
    else:
        pending[key] = check


class RuledModel(models.Model):
    """Abstract base: the record's rules run before every save, whatever the path."""

    # Numeric fields that may hold a negative value (none by default).
    allow_negative = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not kwargs.get("update_fields"):
            self.check_rules()
        return super().save(*args, **kwargs)

    def clean(self):
        # Every problem at once: a marking refused must not hide a date out of range.
        errors = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for name, message in field_problems(self).items():
            errors.setdefault(name, []).append(message)
        if errors:
            raise ValidationError(errors)

    def value_patterns(self):
        """{field name: (regular expression, example shown to the user)}."""
        return {}

    def check_rules(self):
        """Field validation (choices, lengths, validators; links are checked by the
        database) and the model's clean(); raises ValidationError listing every problem."""
        relations = [f.name for f in self._meta.concrete_fields if f.is_relation]
        errors = {}
        try:
            self.clean_fields(exclude=relations)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        try:
            self.clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
