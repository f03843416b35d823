"""Every list's cells read the same through the portal's fast path and through django-tables2.

`PortalTable.fast_rows()` renders the common column kinds itself (README, "Benchmark",
measures what that saves); a cell it gets wrong would be a wrong value on a list the
office trusts. For every list view of every app, on the demo data as leadership sees it,
each cell must be the HTML tables2's own BoundRow renders for it (as the template prints
it: escaped unless safe).
"""

from django.test import RequestFactory
from django.utils.html import conditional_escape

from core import permissions
from core.generic_views import ObjectListView


def list_views():
    found, todo = [], [ObjectListView]
    while todo:
        for view in todo.pop().__subclasses__():
            todo.append(view)
            if view.table_class is not None and view.queryset is not None:
                found.append(view)
    return sorted(found, key=lambda view: f"{view.__module__}.{view.__qualname__}")


def test_fast_cells_are_the_cells_tables2_renders(demo):
    leader = demo["leader"]
    request = RequestFactory().get("/")
    request.user = leader
    views = list_views()
    assert len(views) >= 6, [view.__name__ for view in views]
    compared = {}
    for view in views:
        page = view()
        page.setup(request)  # a view may build its queryset for the request
        rows = permissions.restrict(page.queryset, leader, "view")[:60]
        # Two tables: a table numbers its rows (odd/even) as they are made, once a render.
        fast_table = view.table_class(rows, request=request)
        library_table = view.table_class(rows, request=request)
        names = [bound.name for bound in fast_table.columns]
        fast = [
            (attrs, [conditional_escape(cell) for cell in cells])
            for attrs, cells in fast_table.fast_rows()
        ]
        library = [
            (row.attrs.as_html(), [conditional_escape(cell) for cell in row])
            for row in library_table.paginated_rows
        ]
        assert len(fast) == len(library)
        for (fast_attrs, fast_cells), (lib_attrs, lib_cells) in zip(fast, library, strict=True):
            # Without row_attrs the fast path leaves out tables2's odd/even class (the
            # USWDS striped table stripes by :nth-child); with them, the same attributes.
            assert fast_attrs in ("", lib_attrs), view.__name__
            for name, mine, theirs in zip(names, fast_cells, lib_cells, strict=True):
                assert mine == theirs, (view.__name__, name, mine, theirs)
        compared[view.__name__] = len(fast)
    # Every list has demo rows, or the comparison proves nothing for it.
    assert all(compared.values()), compared
    print("\ncells compared per list:", compared)
