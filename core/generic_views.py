"""Generic views every domain model reuses with a few declarative lines.

All of them read and write through core.permissions: a record the user may not see
answers 404 on every URL; one they see but may not change answers 403.
"""

import csv
import io
import uuid

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import F, ProtectedError
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views import View
from django_tables2 import RequestConfig

from core import follows, history, markings, panels, permissions, rules, teams
from core.audit import ConcurrentEditError
from core.auth import record_event
from core.exports import export_table
from core.forms import DocumentForm, SavedViewForm, TeamMemberForm, TransitionForm, style_form
from core.models import Document, SavedView, SecurityEvent, TablePreference
from core.tables import DEFAULT_PAGE_SIZE, PAGE_SIZES
from core.workflow import TransitionRefused


class NotVisibleAfterSave(Exception):
    """A write would leave the record outside what its author may see."""


def _verbose(model):
    return model._meta.verbose_name


def history_url(obj):
    """The History page that shows obj's changes: its root record's (a forum for a meeting)."""
    root = obj.audit_root() if hasattr(obj, "audit_root") else obj
    return reverse(f"{root._meta.app_label}:history", args=[root.pk])


def concurrent_edit_message(obj, exc):
    return format_html(
        '{} Your changes were not saved. <a href="{}">See what changed</a>, then '
        '<a href="{}">reload the form</a> and apply your edits again.',
        str(exc),
        history_url(obj),
        obj.get_absolute_url() + "edit/",
    )


def ensure_still_visible(user, obj):
    """The second check of every write: the author must still see what they saved."""
    if not permissions.can(user, "view", obj):
        raise NotVisibleAfterSave(
            f"This change would move the {_verbose(type(obj))} out of what you may see, "
            "so it was not saved."
        )


class ObjectListView(View):
    """A filterable, sortable, paginated table with saved views, column chooser, export."""

    queryset = None
    filterset_class = None
    table_class = None
    template_name = "core/object_list.html"
    results_template_name = "core/_object_list_results.html"
    title = None
    bulk_edit = True

    @property
    def model(self):
        return self.queryset.model

    @property
    def list_key(self):
        return self.model._meta.label_lower

    def saved_views(self, user):
        return (
            SavedView.objects.filter(list_key=self.list_key)
            .filter(models.Q(owner=user) | models.Q(shared_with__in=user.groups.all()))
            .distinct()
            .select_related("owner")
        )

    def get(self, request):
        params = request.GET.copy()
        columns = None
        saved = None
        if params.get("view"):
            saved = self.saved_views(request.user).filter(pk=params.get("view")).first()
            if saved is None:
                raise Http404("No such saved view.")
            extra = {k: v for k, v in params.lists() if k in ("export", "page")}
            params = QueryDict(saved.query, mutable=True)
            for key, values in extra.items():
                params.setlist(key, values)
            columns = saved.columns
        if columns is None:
            pref = TablePreference.objects.filter(user=request.user, list_key=self.list_key).first()
            columns = pref.columns if pref else None
        visible = permissions.restrict(self.queryset, request.user, "view")
        filterset = self.filterset_class(params, queryset=visible, request=request)
        style_form(filterset.form)
        rows = filterset.qs if filterset.is_valid() else visible.none()
        table = self.table_class(rows, columns=columns, request=request)
        export = params.get("export")
        if export in ("csv", "xlsx"):
            record_event(
                SecurityEvent.Kind.EXPORT,
                request,
                user=request.user,
                list=self.list_key,
                format=export,
                query=params.urlencode()[:500],
            )
            return export_table(
                table, export, self.model._meta.verbose_name_plural.replace(" ", "-")
            )
        per_page = params.get("per_page")
        per_page = int(per_page) if per_page in {str(s) for s in PAGE_SIZES} else DEFAULT_PAGE_SIZE
        RequestConfig(request, paginate={"per_page": per_page}).configure(table)
        page_objects = list(table.page.object_list.data) if table.page else []
        if self.bulk_edit:
            table.editable_ids = permissions.allowed_ids(request.user, "change", page_objects)
        query = params.copy()
        for key in ("page", "export", "view"):
            query.pop(key, None)
        context = {
            "title": self.title or self.model._meta.verbose_name_plural.capitalize(),
            "model_name": self.model._meta.verbose_name,
            "app_label": self.model._meta.app_label,
            "filterset": filterset,
            "table": table,
            "query": query.urlencode(),
            "saved": saved,
            "saved_views": self.saved_views(request.user),
            "saved_view_form": SavedViewForm(user=request.user),
            "choosable_columns": table.choosable_columns(),
            "visible_columns": set(table.visible_column_names),
            "page_sizes": PAGE_SIZES,
            "per_page": per_page,
            "can_add": permissions.can_add(request.user, self.model),
            "import_url": _optional_url(f"{self.model._meta.app_label}:import"),
            "can_bulk_edit": bool(table.editable_ids),
            "list_url": request.path,
            "list_key": self.list_key,
        }
        context.update(self.extra_context(request))
        if request.htmx and not request.htmx.boosted:
            return render(request, self.results_template_name, context)
        return render(request, self.template_name, context)

    def extra_context(self, request):
        return {}


class ObjectDetailView(View):
    """One record, if the user may see it; buttons only for what they may do."""

    queryset = None
    template_name = None

    def get(self, request, pk):
        obj = permissions.get_object_or_404(self.queryset, request.user, "view", pk=pk)
        related = panels.panels_for(obj, request)
        context = {
            "object": obj,
            "can_change": permissions.can(request.user, "change", obj),
            "can_delete": permissions.can(request.user, "delete", obj),
            "can_manage": permissions.can(request.user, "manage", obj),
            "team": teams.members(obj),
            "documents": documents_of(obj),
            "related_panels": related,
            "following": follows.is_following(request.user, obj),
            "content_type_id": ContentType.objects.get_for_model(type(obj)).pk,
        }
        context.update(self.extra_context(request, obj))
        # The banner shows the most restrictive marking of everything on the page: the
        # record, its documents, the panels and whatever else the view lists (`shown`).
        shown = [
            obj,
            *context["documents"],
            *panels.marking_records(related),
            *context.pop("shown", ()),
        ]
        context["page_marking"] = markings.combined(r for r in shown if hasattr(r, "rel_to"))
        return render(request, self.template_name, context)

    def extra_context(self, request, obj):
        """The page's own values; `shown` lists further records whose marking counts."""
        return {}


def _optional_url(name):
    from django.urls import NoReverseMatch

    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def documents_of(obj):
    return Document.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("uploaded_by")


def parent_of(obj):
    """The record a nested one belongs to (a meeting's forum), or None for a top-level one."""
    field = getattr(obj, "permission_parent", None)
    return getattr(obj, field) if field else None


class ObjectEditView(View):
    """Create (no pk) or edit a record, with optimistic locking and a visibility re-check.

    A nested model (one with `permission_parent`: a meeting of a forum) is added from its
    parent's page: its add view sets `adds_to_parent`, the URL's pk is then the parent's,
    the parent must be changeable, and Cancel leads back to it.
    """

    queryset = None
    form_class = None
    template_name = "core/object_edit.html"
    adds_to_parent = False
    created_verb = "created"

    @property
    def model(self):
        return self.queryset.model

    def get_object(self, request, pk):
        """The record to edit, or a new (unsaved) one on an add page."""
        if self.adds_to_parent:
            field = self.model.permission_parent
            parents = self.model._meta.get_field(field).related_model._default_manager.all()
            parent = permissions.get_object_or_404(parents, request.user, "change", pk=pk)
            return self.model(**{field: parent})
        if pk is None:
            if not permissions.can_add(request.user, self.model):
                raise PermissionDenied(f"You may not add a {_verbose(self.model)}.")
            return self.model()
        return permissions.get_object_or_404(self.queryset, request.user, "change", pk=pk)

    def get_initial(self, request, obj):
        """Values a new record's form starts with."""
        return {}

    def get_list_url(self):
        return reverse(f"{self.model._meta.app_label}:list")

    def get_return_url(self, request, obj):
        """Where Cancel leads: the record, else the parent it is added to, else the list."""
        if obj.pk is not None:
            return obj.get_absolute_url()
        parent = parent_of(obj)
        return parent.get_absolute_url() if parent is not None else self.get_list_url()

    def get_success_url(self, obj):
        return obj.get_absolute_url()

    def success_message(self, obj, created):
        verb = self.created_verb if created else "saved"
        return f"{_verbose(self.model).capitalize()} “{obj}” {verb}."

    def extra_context(self, request, obj):
        return {}

    def get(self, request, pk=None):
        obj = self.get_object(request, pk)
        form = self.form_class(
            instance=obj, initial=self.get_initial(request, obj), user=request.user
        )
        return self.render(request, form, obj)

    def render(self, request, form, obj):
        context = {
            "form": form,
            "object": obj if obj.pk is not None else None,
            "model_name": _verbose(self.model),
            "cancel_url": self.get_return_url(request, obj),
        }
        return render(request, self.template_name, context | self.extra_context(request, obj))

    def post(self, request, pk=None):
        obj = self.get_object(request, pk)
        form = self.form_class(request.POST, request.FILES, instance=obj, user=request.user)
        if not form.is_valid():
            return self.render(request, form, obj)
        creating = obj.pk is None
        try:
            with transaction.atomic():
                saved = form.save()
                if creating:
                    self.after_create(request, saved)
                ensure_still_visible(request.user, saved)
        except (ConcurrentEditError, NotVisibleAfterSave, ValidationError) as exc:
            if creating:  # the insert was rolled back: the form is for a new record again
                obj.pk, obj._state.adding = None, True
            if isinstance(exc, ConcurrentEditError):
                form.add_error(None, concurrent_edit_message(obj, exc))
            elif isinstance(exc, NotVisibleAfterSave):
                form.add_error(None, str(exc))
                if not creating:
                    obj.refresh_from_db()
            else:
                form.add_error(None, exc)
            return self.render(request, form, obj)
        messages.success(request, self.success_message(saved, creating))
        return redirect(self.get_success_url(saved))

    def after_create(self, request, obj):
        """The creator leads the new record's team (a nested record has its parent's)."""
        if parent_of(obj) is None:
            teams.set_member(obj, request.user, "lead", by=request.user)


class ObjectDeleteView(View):
    queryset = None
    template_name = "core/object_delete.html"

    @property
    def model(self):
        return self.queryset.model

    def get_list_url(self):
        return reverse(f"{self.model._meta.app_label}:list")

    def get_success_url(self, obj):
        """Where a deleted record leaves the user: its parent (a meeting's forum), else the list."""
        parent = parent_of(obj)
        return parent.get_absolute_url() if parent is not None else self.get_list_url()

    def get(self, request, pk):
        obj = permissions.get_object_or_404(self.queryset, request.user, "delete", pk=pk)
        return render(
            request, self.template_name, {"object": obj, "model_name": _verbose(type(obj))}
        )

    def post(self, request, pk):
        obj = permissions.get_object_or_404(self.queryset, request.user, "delete", pk=pk)
        name = str(obj)
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError as exc:
            blockers = ", ".join(sorted({str(o) for o in list(exc.protected_objects)[:5]}))
            messages.error(
                request, f"“{name}” cannot be deleted while other records refer to it ({blockers})."
            )
            return redirect(obj.get_absolute_url())
        messages.success(request, f"{_verbose(type(obj)).capitalize()} “{name}” deleted.")
        return redirect(self.get_success_url(obj))


class ObjectHistoryView(View):
    """Every change to the record and its children, newest first, as a diff."""

    queryset = None
    template_name = "core/object_history.html"

    def get(self, request, pk):
        obj = permissions.get_object_or_404(self.queryset, request.user, "view", pk=pk)
        page = Paginator(history.history_of(obj), 50).get_page(request.GET.get("page"))
        entries = history.readable(page.object_list, request.user)
        return render(
            request, self.template_name, {"object": obj, "entries": entries, "page": page}
        )


def touch_parent(parent, expected_version):
    """Bump the parent's version, refusing if someone changed it since the form loaded."""
    if not hasattr(parent, "version"):
        return
    updated = (
        type(parent)
        ._base_manager.filter(pk=parent.pk, version=expected_version)
        .update(version=F("version") + 1)
    )
    if not updated:
        raise ConcurrentEditError(
            f"{_verbose(type(parent)).capitalize()} “{parent}” was changed by someone else "
            "after you opened it."
        )


class ChildFormsetView(View):
    """Edit a parent's children (partners, funding, milestones) as one all-or-nothing form."""

    parent_queryset = None
    formset_class = None
    title = None
    template_name = "core/child_formset.html"

    def get_parent(self, request, pk):
        return permissions.get_object_or_404(self.parent_queryset, request.user, "change", pk=pk)

    def render(self, request, parent, formset, version):
        return render(
            request,
            self.template_name,
            {
                "object": parent,
                "formset": formset,
                "title": self.title,
                "version": version,
            },
        )

    def get(self, request, pk):
        parent = self.get_parent(request, pk)
        formset = self.formset_class(
            instance=parent, form_kwargs={"parent": parent, "user": request.user}
        )
        return self.render(request, parent, formset, getattr(parent, "version", None))

    def post(self, request, pk):
        parent = self.get_parent(request, pk)
        version = request.POST.get("parent_version")
        formset = self.formset_class(
            request.POST, instance=parent, form_kwargs={"parent": parent, "user": request.user}
        )
        if formset.is_valid():
            try:
                # One batch: rules across the rows (cost shares) hold on the saved set.
                with rules.batch():
                    if version is not None:
                        touch_parent(parent, int(version) if version.isdigit() else -1)
                    formset.save()
            except ConcurrentEditError as exc:
                messages.error(request, concurrent_edit_message(parent, exc))
                return self.render(request, parent, formset, version)
            except ValidationError as exc:
                formset._non_form_errors = formset.error_class(
                    exc.messages, renderer=formset.renderer
                )
                return self.render(request, parent, formset, version)
            messages.success(request, f"{self.title} of “{parent}” saved.")
            return redirect(parent.get_absolute_url() + f"#{self.anchor}")
        return self.render(request, parent, formset, version)

    @property
    def anchor(self):
        return self.title.lower().split()[0]


class TeamView(View):
    """A record's team: who is on it, with which role. Leads manage it."""

    queryset = None
    template_name = "core/team.html"

    def get_record(self, request, pk):
        return permissions.get_object_or_404(self.queryset, request.user, "manage", pk=pk)

    def get(self, request, pk):
        record = self.get_record(request, pk)
        return self.render(request, record, TeamMemberForm(record=record))

    def render(self, request, record, form):
        return render(
            request,
            self.template_name,
            {
                "object": record,
                "team": teams.members(record),
                "form": form,
            },
        )

    def post(self, request, pk):
        record = self.get_record(request, pk)
        if "remove" in request.POST:
            member = teams.members(record).filter(pk=request.POST.get("remove")).first()
            if member is None:
                raise Http404("No such team member.")
            leads = teams.members(record).filter(role="lead")
            if member.role == "lead" and leads.count() == 1:
                messages.error(request, "A team needs at least one lead: add another lead first.")
            else:
                teams.remove_member(record, member.user, by=request.user)
                messages.success(
                    request, f"{member.user.get_full_name() or member.user} removed from the team."
                )
            return redirect(request.path)
        form = TeamMemberForm(request.POST, record=record)
        if not form.is_valid():
            return self.render(request, record, form)
        teams.set_member(
            record, form.cleaned_data["user"], form.cleaned_data["role"], by=request.user
        )
        messages.success(request, "Team updated.")
        return redirect(request.path)


class DocumentAddView(View):
    """Attach a document to a record the user may change."""

    queryset = None
    template_name = "core/document_add.html"

    def get_record(self, request, pk):
        record = permissions.get_object_or_404(self.queryset, request.user, "change", pk=pk)
        if getattr(record, "documents_locked", False):
            raise PermissionDenied("This record is closed: no more documents can be added.")
        return record

    def get(self, request, pk):
        record = self.get_record(request, pk)
        return render(request, self.template_name, {"object": record, "form": DocumentForm()})

    def post(self, request, pk):
        record = self.get_record(request, pk)
        form = DocumentForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"object": record, "form": form})
        form.save_for(record, request.user)
        messages.success(request, f"Document “{form.instance}” uploaded.")
        return redirect(record.get_absolute_url() + "#documents")


class TransitionView(View):
    """One workflow step of a record (DESIGN §4), for every app with a `core.workflow` table.

    GET `?name=<step>` is the step's confirmation page (for a comment, or a warning); POST
    `name`, `comment` and the `version` the page showed takes it. A refused step says why
    and changes nothing. Whoever may see the record reaches this view: the table says who
    may take which step. A step with its own page (a decision) is sent there.
    """

    queryset = None
    workflow = None  # the app's core.workflow.Workflow
    template_name = "core/transition.html"
    anchor = ""  # the detail page's section to land on

    def get_step(self, request, pk, name):
        obj = permissions.get_object_or_404(self.queryset, request.user, "view", pk=pk)
        transition = self.workflow.get(name or "")
        if transition is None or transition.automatic:
            raise Http404("No such step.")
        return obj, transition

    def own_page(self, obj, transition):
        return redirect(f"{obj._meta.app_label}:{transition.via}", pk=obj.pk)

    def back(self, obj):
        return redirect(obj.get_absolute_url() + (f"#{self.anchor}" if self.anchor else ""))

    def render(self, request, obj, transition, form, status=200):
        context = {
            "object": obj,
            "transition": transition,
            "form": form,
            "state": self.workflow.state_label(obj),
            "page_marking": getattr(obj, "marking", None),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        obj, transition = self.get_step(request, pk, request.GET.get("name"))
        if transition.via:
            return self.own_page(obj, transition)
        initial = {"name": transition.name, "version": getattr(obj, "version", None)}
        return self.render(
            request, obj, transition, TransitionForm(initial=initial, transition=transition)
        )

    def post(self, request, pk):
        obj, transition = self.get_step(request, pk, request.POST.get("name"))
        if transition.via:
            return self.own_page(obj, transition)
        form = TransitionForm(request.POST, transition=transition)
        if not form.is_valid():
            return self.render(request, obj, transition, form, status=400)
        data = form.cleaned_data
        try:
            self.workflow.perform(
                obj, request.user, transition.name, data["comment"], version=data["version"]
            )
        except TransitionRefused as refused:
            messages.error(request, "Nothing was changed: " + " ".join(refused.reasons))
            return self.back(obj)
        state = self.workflow.state_label(obj)
        messages.success(request, f"{transition.label}: done. Status: {state}.")
        return self.back(obj)


class BulkEditView(View):
    """Change a few fields on many records at once; all or nothing, every row audited."""

    queryset = None
    form_class = None
    template_name = "core/bulk_edit.html"

    @property
    def model(self):
        return self.queryset.model

    def selected(self, request):
        ids = [int(i) for i in request.POST.getlist("pk") if i.isdigit()]
        visible = permissions.restrict(self.queryset, request.user, "view").filter(pk__in=ids)
        return ids, list(visible)

    def render(self, request, form, records, list_url):
        context = {
            "form": form,
            "records": records,
            "model_name": _verbose(self.model),
            "cancel_url": list_url,
        }
        return render(request, self.template_name, context)

    def post(self, request):
        ids, records = self.selected(request)
        list_url = reverse(f"{self.model._meta.app_label}:list")
        if not records:
            messages.error(request, "Select at least one row to edit.")
            return redirect(list_url)
        changeable = permissions.allowed_ids(request.user, "change", records)
        if len(records) != len(ids) or len(changeable) != len(records):
            messages.error(
                request, "You may not change some of the selected records: nothing was changed."
            )
            return redirect(list_url)
        form = self.form_class(request.POST if "apply" in request.POST else None, user=request.user)
        if not form.is_bound or not form.is_valid():
            return self.render(request, form, records, list_url)
        changes = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        if not changes:
            form.add_error(None, "Choose at least one field to change.")
            return self.render(request, form, records, list_url)
        record = None
        try:
            with transaction.atomic():
                for record in records:
                    for field, value in changes.items():
                        setattr(record, field, value)
                    record.full_clean()
                    record.save()
                    ensure_still_visible(request.user, record)
        except ValidationError as exc:
            # Which record, which field, which rule: the user fixes that one and retries.
            refusal = "; ".join(named_messages(self.model, exc))
            messages.error(request, f"Nothing was changed: “{record}”: {refusal}")
            return redirect(list_url)
        except (NotVisibleAfterSave, ConcurrentEditError) as exc:
            messages.error(request, f"Nothing was changed: {_message(exc)}")
            return redirect(list_url)
        messages.success(request, f"{len(records)} {self.model._meta.verbose_name_plural} updated.")
        return redirect(list_url)


def _message(exc):
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _label(model, name):
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a rule across rows names a child's field (cost_share)
        return name.replace("_", " ")


def named_messages(model, error, name_of=_label):
    """A model ValidationError as "field: message" lines (the field named by
    `name_of(model, name)`, its verbose name by default); non-field messages bare."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    lines = []
    for name, errors in error.error_dict.items():
        for message in ValidationError(errors).messages:
            named = name != NON_FIELD_ERRORS
            lines.append(f"{name_of(model, name)}: {message}" if named else message)
    return lines


def onto_form(form, error, name_of=_label):
    """`error` with the messages about fields `form` does not have moved to its non-field
    errors, each naming its field (Django's ModelForm refuses them with a ValueError)."""
    if not hasattr(error, "error_dict"):
        return error
    routed = {}
    for name, errors in error.error_dict.items():
        if name == NON_FIELD_ERRORS or name in form.fields:
            routed.setdefault(name, []).extend(errors)
        else:
            lines = named_messages(form._meta.model, ValidationError({name: errors}), name_of)
            routed.setdefault(NON_FIELD_ERRORS, []).extend(lines)
    return ValidationError(routed)


class ImportRowErrors:
    """Mixed into an import's row form: a rule about a field the file has no column for
    (a Red program's reason) is the row's error, "field: message", not a 500."""

    def add_error(self, field, error):
        if field is None:
            error = onto_form(self, error, name_of=lambda model, name: name)
        super().add_error(field, error)


class BulkImportView(View):
    """CSV import: upload, preview every row's errors, then import all rows or none."""

    model = None
    form_class = None  # a ModelForm for one row, fields named as the CSV columns
    template_name = "core/bulk_import.html"
    max_bytes = 5 * 1024 * 1024
    max_rows = 5000

    def check_allowed(self, request):
        if not permissions.can_add(request.user, self.model):
            raise PermissionDenied(f"You may not add {self.model._meta.verbose_name_plural}.")

    def context(self, **extra):
        return {
            "model_name": _verbose(self.model),
            "plural": self.model._meta.verbose_name_plural,
            "columns": self.form_class.import_columns(),
            "required": self.form_class.required_columns(),
            "list_url": reverse(f"{self.model._meta.app_label}:list"),
            **extra,
        }

    def get(self, request):
        self.check_allowed(request)
        return render(request, self.template_name, self.context())

    def decode(self, upload):
        if upload.size > self.max_bytes:
            raise ValidationError(f"The file is larger than {self.max_bytes // 1048576} MB.")
        raw = upload.read()
        if b"\x00" in raw[:4096]:
            raise ValidationError("The file is not a CSV text file.")
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                "The file is not UTF-8 encoded. Save it as “CSV UTF-8” and upload it again."
            ) from None

    def parse(self, request, text):
        reader = csv.DictReader(io.StringIO(text))
        headers = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in self.form_class.required_columns() if c not in headers]
        if missing:
            raise ValidationError(f"Missing column(s): {', '.join(missing)}.")
        unknown = [h for h in headers if h not in self.form_class.import_columns()]
        if unknown:
            raise ValidationError(f"Unknown column(s): {', '.join(unknown)}.")
        results = []
        seen = {}
        row_form = type(self.form_class.__name__, (ImportRowErrors, self.form_class), {})
        for number, raw in enumerate(reader, start=2):
            if number - 1 > self.max_rows:
                raise ValidationError(f"The file has more than {self.max_rows} rows.")
            if None in raw:
                results.append((number, raw, None, ["This row has more cells than the header."]))
                continue
            row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
            form = row_form(data=row, user=request.user)
            errors = []
            if not form.is_valid():
                for field, field_errors in form.errors.items():
                    prefix = "" if field == "__all__" else f"{field}: "
                    errors += [prefix + e for e in field_errors]
            key = form.row_key(row)
            if key and key in seen:
                errors.append(f"Same {key[0]} as row {seen[key]}.")
            elif key:
                seen[key] = number
            results.append((number, row, form, errors))
        if not results:
            raise ValidationError("The file has a header but no rows.")
        return results

    def post(self, request):
        self.check_allowed(request)
        token = request.POST.get("token")
        session_key = f"import:{self.model._meta.label_lower}"
        if token:
            stored = request.session.get(session_key, {})
            if stored.get("token") != token:
                messages.error(request, "That import expired. Upload the file again.")
                return redirect(request.path)
            text = stored["text"]
        else:
            upload = request.FILES.get("file")
            if upload is None:
                return render(
                    request, self.template_name, self.context(error="Choose a CSV file to upload.")
                )
            try:
                text = self.decode(upload)
            except ValidationError as exc:
                return render(request, self.template_name, self.context(error=_message(exc)))
        try:
            results = self.parse(request, text)
        except (ValidationError, csv.Error) as exc:
            message = _message(exc) if isinstance(exc, ValidationError) else f"Not valid CSV: {exc}"
            return render(request, self.template_name, self.context(error=message))
        failed = sum(1 for r in results if r[3])
        if failed or not token:
            new_token = uuid.uuid4().hex
            request.session[session_key] = {"token": new_token, "text": text}
            return render(
                request,
                self.template_name,
                self.context(results=results, failed=failed, token=None if failed else new_token),
            )
        current = None
        try:
            with transaction.atomic():
                for number, _row, form, _errors in results:
                    current = number
                    record = form.save()
                    teams.set_member(record, request.user, "lead", by=request.user)
        except ValidationError as exc:  # a rule only the save checks: all rows or none
            lines = named_messages(self.model, exc, name_of=lambda model, name: name)
            message = f"Row {current}: {'; '.join(lines)} Nothing was imported."
            return render(request, self.template_name, self.context(error=message))
        request.session.pop(session_key, None)
        messages.success(
            request, f"Imported {len(results)} {self.model._meta.verbose_name_plural}."
        )
        return redirect(reverse(f"{self.model._meta.app_label}:list"))


class SavedViewCreate(View):
    """Save the current filters, sort and columns of a list under a name."""

    def post(self, request):
        form = SavedViewForm(request.POST, user=request.user)
        back = request.POST.get("list_url") or "/"
        if not back.startswith("/") or back.startswith("//"):
            back = "/"
        if not form.is_valid():
            messages.error(
                request,
                "The view was not saved: "
                + "; ".join(e for errors in form.errors.values() for e in errors),
            )
            return HttpResponseRedirect(back)
        saved = form.save()
        messages.success(request, f"Saved view “{saved.name}”.")
        return HttpResponseRedirect(f"{back}?view={saved.pk}")


class SavedViewDelete(View):
    guarded_model = SavedView
    guarded_owner = "owner"

    def post(self, request, pk):
        saved = SavedView.objects.filter(pk=pk, owner=request.user).first()
        if saved is None:
            raise Http404("No such saved view.")
        saved.delete()
        messages.success(request, f"Deleted saved view “{saved.name}”.")
        back = request.POST.get("list_url") or "/"
        return HttpResponseRedirect(
            back if back.startswith("/") and not back.startswith("//") else "/"
        )


class ColumnsView(View):
    """Remember the columns a user chose for a list."""

    def post(self, request):
        list_key = request.POST.get("list_key", "")[:60]
        columns = [c[:60] for c in request.POST.getlist("columns")][:50]
        TablePreference.objects.update_or_create(
            user=request.user, list_key=list_key, defaults={"columns": columns}
        )
        back = request.POST.get("list_url") or "/"
        if not back.startswith("/") or back.startswith("//"):
            back = "/"
        query = request.POST.get("query", "")
        return HttpResponseRedirect(f"{back}?{query}" if query else back)
