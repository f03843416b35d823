"""Base table: sortable, paginated, with a column chooser and permission-aware row selection."""

import datetime
import inspect

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.html import escape, format_html
from django_tables2.rows import BoundRow
from django_tables2.utils import Accessor

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50


class SelectionColumn(tables.Column):
    """A checkbox for bulk actions, enabled only on rows the user may change."""

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", "")
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("exclude_from_export", True)
        super().__init__(accessor="pk", **kwargs)

    def render(self, record, table):
        label = format_html(
            '<label class="usa-sr-only" for="select-{0}">Select {1}</label>', record.pk, record
        )
        if record.pk in getattr(table, "editable_ids", set()):
            return format_html(
                '{0}<input type="checkbox" name="pk" value="{1}" id="select-{1}" '
                'form="bulk-form" class="row-select">',
                label,
                record.pk,
            )
        return ""


_URL_PARTS = {}
_SENTINEL = 987654321987


def detail_url(record):
    """record.get_absolute_url(), without a reverse() per row for models that name their
    detail route in `detail_url_name` (the route is reversed once, then filled in)."""
    name = getattr(type(record), "detail_url_name", None)
    if name is None:
        return record.get_absolute_url()
    parts = _URL_PARTS.get(name)
    if parts is None:
        parts = _URL_PARTS[name] = reverse(name, args=[_SENTINEL]).split(str(_SENTINEL))
    return f"{parts[0]}{record.pk}{parts[1]}"


class PortalTable(tables.Table):
    """Every list's table. Subclasses name `default_columns`; `locked_columns` always show."""

    locked_columns = ()
    default_columns = None
    # The page renders its cells through fast_rows() below; False renders them through
    # django-tables2's own BoundRows, as documented. `make bench` measures both on the
    # programs list (README, "Benchmark") and tests/core/test_table_rendering.py holds
    # the two to the same HTML.
    fast_rendering = True

    class Meta:
        attrs = {"class": "usa-table usa-table--borderless usa-table--striped portal-table"}
        order_by_field = "sort"
        page_field = "page"
        per_page_field = "per_page"
        template_name = "core/table.html"

    def render_classification(self, record):
        """A marked table's "Marking" column (`classification`) shows the whole marking."""
        return str(record.marking)

    def __init__(self, *args, columns=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editable_ids = set()
        self.apply_columns(columns)

    @classmethod
    def choosable_columns(cls):
        """(name, label) of every column a user may show or hide."""
        locked = set(cls.locked_columns)
        return [
            (name, str(col.verbose_name or name).capitalize())
            for name, col in cls.base_columns.items()
            if name not in locked and not isinstance(col, SelectionColumn)
        ]

    def apply_columns(self, chosen):
        names = [n for n, _ in self.choosable_columns()]
        wanted = set(chosen or self.default_columns or names)
        for name in names:
            if name in wanted:
                self.columns.show(name)
            else:
                self.columns.hide(name)

    @property
    def visible_column_names(self):
        return [c.name for c in self.columns if not isinstance(c.column, SelectionColumn)]

    # --- fast rendering -----------------------------------------------------------------
    # django-tables2 renders each cell through several layers of introspection (about
    # 0.2 ms a cell); a 50-row page of 10 columns cost more than the whole Django admin
    # changelist. The common column kinds are rendered here directly; anything else
    # (template columns, custom links) falls back to tables2's own cell rendering.

    def fast_rows(self):
        """(row attributes as HTML, cells) for each record of the page."""
        records = self.page.object_list.data if self.page else self.data
        plans = [self._plan(bound) for bound in self.columns]
        with_attrs = bool(getattr(self, "row_attrs", None))
        for record in records:
            attrs = BoundRow(record, table=self).attrs.as_html() if with_attrs else ""
            yield attrs, [plan(record) for plan in plans]

    def _plan(self, bound):
        name, column = bound.name, bound.column
        if isinstance(column, SelectionColumn):
            return lambda record: column.render(record, self)
        renderer = getattr(self, f"render_{name}", None)
        simple = type(column) in (
            tables.Column,
            tables.DateColumn,
            tables.BooleanColumn,
            tables.DateTimeColumn,
        )
        link = getattr(column, "link", None)
        link_ok = link is None or (link.url is None and not link.reverse_args)
        if not simple or not link_ok:
            return lambda record: self._slow_cell(record, name)
        accessor = Accessor(column.accessor or name)
        value_of = self._value_getter(accessor)
        # An empty cell shows the table's default ("—"): the bound column falls back to it
        # (the column's own default is None unless set). Date columns declare no empty values
        # (their template handles them), so a missing value is also None or "" here.
        default = bound.default
        empty = (*column.empty_values, None, "")
        if renderer is not None:
            wanted = set(inspect.signature(renderer).parameters)

            def cell(record):
                value = value_of(record)
                if value in column.empty_values:
                    return default
                kwargs = {
                    "record": record,
                    "value": value,
                    "column": column,
                    "bound_column": bound,
                    "table": self,
                }
                return renderer(**{k: v for k, v in kwargs.items() if k in wanted})
        elif isinstance(column, tables.BooleanColumn):

            def cell(record):
                value = value_of(record)
                mark = "✔" if value else "✘"
                return format_html('<span class="{}">{}</span>', str(bool(value)).lower(), mark)
        else:

            def cell(record):
                value = value_of(record)
                if value in empty:
                    return default
                if isinstance(value, datetime.datetime):
                    value = value.strftime("%Y-%m-%d %H:%M")
                elif isinstance(value, datetime.date):
                    value = value.isoformat()
                return escape(value)

        if link is None:
            return cell

        def linked(record):
            content = cell(record)
            if content == default:
                return content
            target = accessor.resolve(record, quiet=True)
            url = detail_url(target if hasattr(target, "get_absolute_url") else record)
            return format_html('<a href="{}">{}</a>', url, content)

        return linked

    def _value_getter(self, accessor):
        """A function record → display value (choice labels for choice fields)."""
        model = getattr(self._meta, "model", None)
        parts = accessor.split(Accessor.LEGACY_SEPARATOR if "." in accessor else "__")
        field = None
        if model is not None and len(parts) == 1:
            try:
                field = model._meta.get_field(parts[0])
            except FieldDoesNotExist:
                field = None
        if field is not None and getattr(field, "choices", None) and field.concrete:
            # The labels once per page (get_FOO_display() rebuilds them on every call).
            labels = {value: str(label) for value, label in field.flatchoices}
            attname = field.attname
            return lambda record: labels.get(getattr(record, attname), getattr(record, attname))
        return lambda record: accessor.resolve(record, quiet=True)

    def _slow_cell(self, record, name):
        return BoundRow(record, table=self).get_cell(name)
