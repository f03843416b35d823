"""Base table: sortable, paginated, with a column chooser and permission-aware row selection."""

import django_tables2 as tables
from django.utils.html import format_html

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


class PortalTable(tables.Table):
    """Every list's table. Subclasses name `default_columns`; `locked_columns` always show."""

    locked_columns = ()
    default_columns = None

    class Meta:
        attrs = {"class": "usa-table usa-table--borderless usa-table--striped portal-table"}
        order_by_field = "sort"
        page_field = "page"
        per_page_field = "per_page"
        template_name = "core/table.html"

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
