"""The one permission layer. Every list, detail, form, export, API call, search,
feed and PDF reads through `restrict()` or `can()`.

Rules, in order:
1. A superuser may do everything.
2. A model-level permission (from a role) grants every object of the model.
3. Otherwise django-guardian object permissions grant single objects. They live in
   direct-foreign-key tables (`<Model>UserObjectPermission`/`<Model>GroupObjectPermission`),
   read as one UNION subquery so PostgreSQL uses index joins.
4. A model may add its own visibility rule (`visibility_q(user, action)`), e.g. "the
   program manager sees their program" or "a requester sees their own requests".
5. A child record (milestone, participant, document) has no permissions of its own:
   it follows its parent (`permission_parent`), viewing needs "view" on the parent and
   any change needs "change" on the parent.

A user who may not see an object must get 404, never 403, and never a count or title.
Dropdowns and id filters go through `restrict_choices()`: an unseen id is refused in the
same words as a missing one.
"""

import functools

from django.core.exceptions import PermissionDenied
from django.http import Http404

ACTIONS = ("view", "add", "change", "delete", "manage")


def _object_permission_models(model):
    """The direct-FK guardian tables of `model` (user table, group table)."""
    from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

    user_model = group_model = None
    for rel in model._meta.related_objects:
        related = rel.related_model
        if rel.field.name != "content_object":
            continue
        if issubclass(related, UserObjectPermissionBase):
            user_model = related
        elif issubclass(related, GroupObjectPermissionBase):
            group_model = related
    if user_model is None or group_model is None:
        return None  # reference data: only model permissions apply
    return user_model, group_model


def codename(model, action):
    return f"{action}_{model._meta.model_name}"


def has_model_perm(user, model, action):
    """True when a role grants `action` on every object of `model`."""
    return user.has_perm(f"{model._meta.app_label}.{codename(model, action)}")


def permitted_ids(model, user, action, *more):
    """A subquery of the ids `user` holds `action` on through object permissions, and of
    the ids of any `more` (querysets of `model`'s ids), as one UNION."""
    tables = _object_permission_models(model)
    if tables is None:
        if more:
            return more[0].union(*more[1:]) if len(more) > 1 else more[0]
        return model._default_manager.none().values("pk")
    user_table, group_table = tables
    name = codename(model, action)
    by_user = user_table.objects.filter(user=user, permission__codename=name)
    by_group = group_table.objects.filter(
        group__in=user.groups.values("pk"), permission__codename=name
    )
    return by_user.values("content_object_id").union(by_group.values("content_object_id"), *more)


def restrict(queryset, user, action="view"):
    """The part of `queryset` that `user` may `action`. The single choke point."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    model = queryset.model
    parent = getattr(model, "permission_parent", None)
    if parent:
        parent_model = model._meta.get_field(parent).related_model
        parent_action = "view" if action == "view" else "change"
        allowed = restrict(parent_model._default_manager.all(), user, parent_action)
        return queryset.filter(**{f"{parent}__in": allowed.values("pk")})
    if user.is_superuser or has_model_perm(user, model, action):
        return queryset
    # The model's own rule joins the UNION as one more branch of ids rather than an OR
    # beside it: an OR made PostgreSQL scan the whole table; a branch uses its index.
    more = []
    extra = getattr(model, "visibility_q", None)
    if extra is not None:
        extra_q = extra(user, action)
        if extra_q is not None:
            # No ORDER BY inside a UNION branch (SQLite refuses one; a model may have a
            # default ordering).
            more.append(model._default_manager.filter(extra_q).order_by().values("pk"))
    return queryset.filter(pk__in=permitted_ids(model, user, action, *more))


def can(user, action, obj):
    """May `user` do `action` on this one object? One query at most."""
    if obj is None or obj.pk is None:
        return False
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def allowed_ids(user, action, objects):
    """The ids among `objects` (e.g. one page of a list) that `user` may `action`; one query."""
    objects = list(objects)
    if not objects:
        return set()
    model = type(objects[0])
    parent = getattr(model, "permission_parent", None)
    if not parent and (user.is_superuser or has_model_perm(user, model, action)):
        return {o.pk for o in objects}  # a role grants them all: no query needed
    qs = model._default_manager.filter(pk__in=[o.pk for o in objects])
    return set(restrict(qs, user, action).values_list("pk", flat=True))


def can_add(user, model):
    """Adding a top-level record needs the model permission from a role."""
    return user.is_authenticated and (user.is_superuser or has_model_perm(user, model, "add"))


def get_object_or_404(queryset, user, action="view", **lookup):
    """The object, if `user` may see it (else 404) and may `action` it (else 403)."""
    obj = restrict(queryset, user, "view").filter(**lookup).first()
    if obj is None:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.")
    if action != "view" and not can(user, action, obj):
        raise PermissionDenied(f"You may not {action} this {queryset.model._meta.verbose_name}.")
    return obj


def read_through(user, record, link):
    """The record `record.<link>` points to, as far as `user` may read it on `record`'s page.

    Returns (linked, fields): fields None when the user may view the linked record itself;
    a tuple of field names when the record's model grants a case-scoped read of just those
    (its `scoped_reads = {link: fields}` and `scoped_read_q(user, link)`, a rule on the
    record: e.g. the reviewers and approvers of a TSFD case read the program facts they
    decide about); (None, ()) otherwise. The linked record's own pages are unaffected.
    """
    linked = getattr(record, link, None)
    if linked is None:
        return None, ()
    if can(user, "view", linked):
        return linked, None
    model = type(record)
    fields = getattr(model, "scoped_reads", {}).get(link)
    rule = getattr(model, "scoped_read_q", None)
    if not fields or rule is None:
        return None, ()
    condition = rule(user, link)
    if condition is None:
        return None, ()
    readable = restrict(model._default_manager.filter(pk=record.pk), user, "view").filter(condition)
    return (linked, tuple(fields)) if readable.exists() else (None, ())


def record_models():
    """Every model with its own object-permission tables (programs, agreements, …)."""
    from django.apps import apps
    from guardian.models import UserObjectPermissionBase

    found = []
    for model in apps.get_models():
        if issubclass(model, UserObjectPermissionBase) and not model._meta.abstract:
            target = model._meta.get_field("content_object").related_model
            if target is not None and target not in found:  # None: guardian's generic table
                found.append(target)
    return found


@functools.cache
def _record_model_set():
    return frozenset(record_models())


def is_governed(model):
    """Does `restrict()` decide who sees rows of `model`? True for a record (its own
    object-permission tables or visibility rule) and for a child that follows one."""
    return (
        model in _record_model_set()
        or bool(getattr(model, "permission_parent", None))
        or hasattr(model, "visibility_q")
    )


def restrict_choices(form_or_filterset, user, names=None):
    """Offer, and accept, only records `user` may view in every picker of a form or every
    model-choice filter of a django-filter FilterSet (`names`: only those fields).

    The one place dropdowns and id filters are restricted: `core.forms.PortalFormMixin`
    and `core.filters.PortalFilterSet` call it. An unseen record becomes "not one of the
    available choices", in the very words a missing one gets: the message never repeats
    the id, so the two answers are identical.
    """
    from django import forms
    from django_filters import FilterSet, ModelChoiceFilter, ModelMultipleChoiceFilter

    same_answer = forms.ModelChoiceField.default_error_messages["invalid_choice"]
    if isinstance(form_or_filterset, FilterSet):
        request = form_or_filterset.request
        for name, flt in form_or_filterset.filters.items():
            if names is not None and name not in names:
                continue
            if not isinstance(flt, ModelChoiceFilter | ModelMultipleChoiceFilter):
                continue
            queryset = flt.get_queryset(request)
            if queryset is None or not is_governed(queryset.model):
                continue
            flt.queryset = restrict(queryset, user, "view")
            flt.extra["error_messages"] = {
                **flt.extra.get("error_messages", {}),
                "invalid_choice": same_answer,
            }
            flt.__dict__.pop("_field", None)  # a field built earlier is built again
        return form_or_filterset
    for name, field in form_or_filterset.fields.items():
        if names is not None and name not in names:
            continue
        if not isinstance(field, forms.ModelChoiceField) or field.queryset is None:
            continue
        if is_governed(field.queryset.model):
            field.queryset = restrict(field.queryset, user, "view")
            field.error_messages["invalid_choice"] = same_answer
    return form_or_filterset


def guards(model, owner=None):
    """Declare the model a function view's <pk> names, for the every-URL security test.

    `owner` names the field that ties a personal record (a notification, a saved view)
    to its user; such records are visible to their owner only.
    """

    def decorate(view):
        view.guarded_model = model
        view.guarded_owner = owner
        return view

    return decorate


def guarded_model(view):
    """(model, owner field) behind a URL's <pk>, or (None, None) when undeclared."""
    cls = getattr(view, "view_class", None)
    if cls is not None:
        if getattr(cls, "guarded_model", None) is not None:
            return cls.guarded_model, getattr(cls, "guarded_owner", None)
        for attr in ("queryset", "parent_queryset"):
            queryset = getattr(cls, attr, None)
            if queryset is not None:
                return queryset.model, None
        if getattr(cls, "model", None) is not None:
            return cls.model, None
    return getattr(view, "guarded_model", None), getattr(view, "guarded_owner", None)
