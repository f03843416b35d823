"""What each app adds to pages and tables it does not own, registered in one place.

Every app fills these stores from its AppConfig.ready(), and core only reads them: the
country page, the home page, search, the navigation and the role table are built from
what the apps registered, so core imports no domain app and names none. (The idea is
NetBox's netbox/registry.py; Nautobot's per-app homepage.py and navigation.py are the
same thing declared per app.)

    registry["panels"]            Panel: a section on another model's page (a program's
                                  Agreements, a country's Programs, a profile's My briefs)
    registry["widgets"]           Widget: a home-page widget
    registry["search"]            {model: Searchable}: what the global search finds
    registry["brief_kinds"]       {kind: build(user, parameters, as_of) -> Brief}
    registry["navigation"]        NavItem: an entry of the primary navigation
    registry["role_permissions"]  {role: [permission patterns]} (core.roles names the roles)
    registry["reference_data"]    model labels every role reads, whose pickers are cached
    registry["stylesheets"]       an app's own CSS, linked on every page

The stores are fixed here; only their contents grow. Context functions (panels,
widgets) read through core.permissions, so nothing registered shows what the user may
not see.
"""

from collections.abc import Callable
from dataclasses import dataclass

from core.roles import ROLE_PERMISSIONS


class Registry(dict):
    """A dict whose keys (the stores) are fixed when it is made."""

    def __getitem__(self, key):
        try:
            return super().__getitem__(key)
        except KeyError:
            raise KeyError(f"No registry store named {key!r}") from None

    def __setitem__(self, key, value):
        raise TypeError("Registry stores are fixed; add to a store instead")

    def __delitem__(self, key):
        raise TypeError("Registry stores cannot be removed")


registry = Registry(
    panels=[],
    widgets=[],
    search={},
    brief_kinds={},
    navigation=[],
    role_permissions=ROLE_PERMISSIONS,
    reference_data=[],
    stylesheets=[],
)


@dataclass(frozen=True)
class Panel:
    model: type
    title: str
    template: str
    context: Callable  # (obj, user) -> dict; `marking_records` in it raise the page marking
    order: int = 50

    @property
    def anchor(self):
        return self.title.lower().replace(" ", "-")


@dataclass(frozen=True)
class Widget:
    title: str
    template: str
    context: Callable  # (user) -> dict, or None when the widget has nothing for the user
    order: int = 50
    wide: bool = False


@dataclass(frozen=True)
class Searchable:
    model: type
    fields: tuple  # attribute paths like "organization__name"
    label: str
    title: Callable  # (obj) -> str

    def text_of(self, obj):
        parts = []
        for path in self.fields:
            value = obj
            for attr in path.split("__"):
                value = getattr(value, attr, None) if value is not None else None
            if value not in (None, ""):
                parts.append(str(value))
        return "\n".join(parts)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    order: int = 50


def _add_in_order(store, item):
    store.append(item)
    store.sort(key=lambda entry: entry.order)  # stable: equal orders keep registration order


def register_panel(model, title, template, context, order=50):
    """Show `template` with `context(obj, user)` on the page of every `model` record."""
    _add_in_order(registry["panels"], Panel(model, title, template, context, order))


def register_widget(title, template, context, order=50, wide=False):
    """Show `template` with `context(user)` on the home page (skipped when it gives None)."""
    _add_in_order(registry["widgets"], Widget(title, template, context, order, wide))


def register_search(model, fields, label=None, title=str):
    """Make `model` searchable over `fields`; core.search indexes it on every save."""
    label = label or model._meta.verbose_name_plural.capitalize()
    registry["search"][model] = Searchable(model, tuple(fields), label, title)


def register_brief_kind(kind, build):
    """`build(user, parameters, as_of)` makes the Brief of a packet of `kind`."""
    registry["brief_kinds"][kind] = build


def register_navigation(label, url_name, order=50):
    """An entry of the primary navigation, in `order` (the app's list page, usually)."""
    _add_in_order(registry["navigation"], NavItem(label, url_name, order))


def grant(role, *patterns):
    """Give `role` the permissions matching `patterns` (`app_label.codename` globs)."""
    if role not in registry["role_permissions"]:
        raise KeyError(f"{role!r} is not a role of core.roles")
    registry["role_permissions"][role].extend(patterns)


def register_reference_data(*labels):
    """Models (`app_label.model`) every role may read, and whose pickers are cached."""
    for label in labels:
        registry["reference_data"].append(label)
        app_label, model = label.split(".")
        for role in registry["role_permissions"]:
            grant(role, f"{app_label}.view_{model}")


def register_stylesheet(path):
    """A static CSS file of the app, linked on every page after the portal's own."""
    registry["stylesheets"].append(path)
