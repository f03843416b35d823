"""Forms shared across the portal."""

import functools

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import FieldDoesNotExist
from django.forms import BaseInlineFormSet, inlineformset_factory

from core.auth import LOCKED_MESSAGE, is_locked
from core.permissions import restrict_choices
from core.widgets import is_cached_choice_model


class PortalAuthenticationForm(AuthenticationForm):
    """The sign-in form; a locked account gets the lockout message, not 'wrong password'.

    Every attempt goes to the backend (core.auth), which refuses a locked account without
    checking the password and records the refusal; the form only chooses the message.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": LOCKED_MESSAGE,
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            username = self.cleaned_data.get("username")
            user = get_user_model().objects.filter(username=username).first() if username else None
            refused = getattr(self.request, "signin_refused", False)
            if refused or (user is not None and is_locked(user)):  # or this failure locked it
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise


# The help of a list box that takes several choices.
CHOOSE_SEVERAL = "Ctrl-click (⌘-click) to choose several."


def active_people():
    """Who may be named on a record (manager, co-chair, owner…): active accounts, by name."""
    return get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name")


def person_label(user):
    """How a dropdown names a person: full name, or username when there is none."""
    return user.get_full_name() or user.get_username()


def active_user_named(username):
    """An import column naming a person: the active user with that username, or None when
    the cell is empty; any other name is an error of the row."""
    if not username:
        return None
    user = active_people().filter(username=username).first()
    if user is None:
        raise forms.ValidationError(f"No active user “{username}”.")
    return user


WIDGET_CLASSES = {
    forms.Select: "usa-select",
    forms.SelectMultiple: "usa-select",
    forms.Textarea: "usa-textarea",
    forms.CheckboxInput: "usa-checkbox__input",
    forms.ClearableFileInput: "usa-file-input",
    forms.FileInput: "usa-file-input",
}


def style_form(form):
    """USWDS classes on every widget, HTML date pickers, fast <select> rendering."""
    from core.widgets import FAST

    for field in form.fields.values():
        widget = field.widget
        fast = FAST.get(type(widget))
        if fast is not None:
            widget.__class__ = fast  # same widget, rendered without per-option templates
        css = next((c for t, c in WIDGET_CLASSES.items() if isinstance(widget, t)), "usa-input")
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
        if css not in widget.attrs.get("class", ""):
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
        if isinstance(widget, forms.Textarea):
            widget.attrs.setdefault("rows", 3)
    return form


def _then_restrict_choices(init):
    """Wrap a form's __init__: when the outermost one returns, every dropdown of records
    offers only what the form's user may see (`core.permissions.restrict_choices`)."""

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        outermost = not self.__dict__.get("_initialising")
        self._initialising = True
        try:
            init(self, *args, **kwargs)
        finally:
            if outermost:
                del self._initialising
        if outermost:
            restrict_choices(self, self.user)

    return __init__


class PortalFormMixin:
    """USWDS classes on every widget, the requesting user at hand for validation, and
    every dropdown of records limited to what that user may see.

    The dropdowns are restricted once the whole chain of __init__s has run, so a subclass
    may set or narrow a field's queryset in its own __init__ and it is restricted all the
    same; nobody writes `restrict()` by hand for a picker.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _then_restrict_choices(cls.__dict__["__init__"])

    @_then_restrict_choices
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        style_form(self)


class VersionedModelForm(PortalFormMixin, forms.ModelForm):
    """A model form that carries the record's version so a stale save is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def save(self, commit=True):
        expected = self.cleaned_data.get("expected_version")
        if self.instance.pk and expected is not None:
            self.instance.version = expected
        return super().save(commit=commit)


class ChildForm(PortalFormMixin, forms.ModelForm):
    """A form in a parent's child formset; knows the parent for dropdowns and checks."""

    def __init__(self, *args, parent=None, **kwargs):
        self.parent = parent
        super().__init__(*args, **kwargs)


class ChildFormSet(BaseInlineFormSet):
    """The formset of a parent's children (partners, milestones, agenda items…).

    Django adds each row's hidden `id` field after the row's form is built, offering every
    row of the model; it is restricted like any picker, so a posted id of a row the user
    may not see is refused like one that does not exist.
    """

    def add_fields(self, form, index):
        super().add_fields(form, index)
        restrict_choices(form, getattr(form, "user", None), names=[self._pk_field.name])

    @functools.cached_property
    def forms(self):
        """The rows; a dropdown that offers every row the same options reads them once.

        Each row's picker has its own queryset (the parent's participants, say); rendered,
        each would query again. The options are read for the first row and handed to the
        others whose query is the same. Checking a posted value still uses the queryset.
        """
        rows = super().forms
        read = {}
        for row in rows:
            for name, field in row.fields.items():
                if not isinstance(field, forms.ModelChoiceField) or field.widget.is_hidden:
                    continue
                if is_cached_choice_model(field.queryset.model._meta.label_lower):
                    continue  # reference data: the widget keeps its options already
                key = (name, str(field.queryset.query))
                if key in read:
                    field.choices = read[key]
                else:
                    read[key] = list(field.choices)
        return rows


def child_formset(parent_model, form, *, formset=ChildFormSet, extra=2, can_delete=True):
    """The formset of a parent's rows of `form` (a program's milestones, a meeting's
    attendees…): two empty rows to fill and a Delete box on each, unless told otherwise."""
    return inlineformset_factory(
        parent_model,
        form._meta.model,
        form=form,
        formset=formset,
        extra=extra,
        can_delete=can_delete,
    )


class DocumentForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        from core.models import Document

        model = Document
        fields = [
            "title",
            "kind",
            "revision",
            "file",
            "classification",
            "cui_category",
            "dissemination",
            "rel_to",
        ]

    def save_for(self, record, user):
        from django.contrib.contenttypes.models import ContentType

        from core.documents import sha256_of

        doc = self.instance
        upload = self.cleaned_data["file"]
        doc.content_type = ContentType.objects.get_for_model(type(record))
        doc.object_id = record.pk
        doc.original_name = upload.name[:255]
        doc.size = upload.size
        doc.checksum = sha256_of(upload)
        doc.uploaded_by = user
        doc.save()
        return doc


class SavedViewForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        from core.models import SavedView

        model = SavedView
        fields = ["name", "shared_with", "query", "columns", "list_key"]
        widgets = {
            "query": forms.HiddenInput,
            "list_key": forms.HiddenInput,
            "columns": forms.HiddenInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth.models import Group

        user = self.user
        groups = (
            Group.objects.all()
            if user and user.is_superuser
            else (Group.objects.filter(user=user) if user else Group.objects.none())
        )
        self.fields["shared_with"].queryset = groups
        if user and not user.is_superuser:
            # The groups the request has read already (role_names): no query to list them.
            from core.roles import user_groups

            self.fields["shared_with"].choices = [("", "---------")] + [
                (g.pk, g.name) for g in sorted(user_groups(user), key=lambda g: g.name)
            ]
        self.fields["shared_with"].label = "Share with (optional)"
        self.fields["columns"].required = False

    def clean_query(self):
        from django.http import QueryDict

        query = QueryDict(self.cleaned_data.get("query") or "", mutable=True)
        for key in ("page", "export", "view"):
            query.pop(key, None)
        return query.urlencode()

    def clean(self):
        cleaned = super().clean()
        from core.models import SavedView

        if SavedView.objects.filter(
            owner=self.user, list_key=cleaned.get("list_key"), name=cleaned.get("name")
        ).exists():
            raise forms.ValidationError("You already have a saved view with that name.")
        return cleaned

    def save(self, commit=True):
        self.instance.owner = self.user
        return super().save(commit=commit)


class TeamMemberForm(PortalFormMixin, forms.Form):
    user = forms.ModelChoiceField(queryset=None, label="Person")
    role = forms.ChoiceField(choices=[("lead", "Lead"), ("editor", "Editor"), ("viewer", "Viewer")])

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_people()
        self.fields["user"].label_from_instance = (
            lambda u: f"{u.get_full_name() or u.username} ({u.username})"
        )


class TransitionForm(PortalFormMixin, forms.Form):
    """One workflow step: which, its comment (required by some steps), the version seen."""

    name = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(required=False, widget=forms.Textarea, max_length=4000)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, transition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = transition.comment_required
        self.fields["comment"].label = transition.prompt or "Comment for the timeline"


class ImportRowForm(VersionedModelForm):
    """One CSV row. Columns are the form's fields; `row_key` finds duplicates in a file."""

    unique_column = None

    def __init__(self, *args, data=None, **kwargs):
        if data is not None:
            # A missing or empty cell takes the model's default, as the form would.
            data = dict(data)
            for name, default in self.model_defaults().items():
                if not data.get(name):
                    data[name] = default
        super().__init__(*args, data=data, **kwargs)

    @classmethod
    def model_defaults(cls):
        defaults = {}
        for name in cls.base_fields:
            try:
                field = cls._meta.model._meta.get_field(name)
            except FieldDoesNotExist:  # a form-only column
                continue
            if field.has_default() and not callable(field.default):
                defaults[name] = field.default
        return defaults

    @classmethod
    def import_columns(cls):
        return [f for f in cls.base_fields if f != "expected_version"]

    @classmethod
    def required_columns(cls):
        optional = cls.model_defaults()
        return [
            name
            for name, f in cls.base_fields.items()
            if f.required and name != "expected_version" and name not in optional
        ]

    def row_key(self, row):
        if self.unique_column and row.get(self.unique_column):
            return (self.unique_column, row[self.unique_column].lower())
        return None


class NotificationPreferenceForm(PortalFormMixin, forms.Form):
    email = forms.ChoiceField(label="E-mail me", widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        from core.models import NotificationPreference
        from core.notifications import email_preference

        super().__init__(*args, **kwargs)
        self.fields["email"].choices = NotificationPreference.Email.choices
        self.fields["email"].initial = email_preference(self.user)

    def save(self):
        from core.models import NotificationPreference

        NotificationPreference.objects.update_or_create(
            user=self.user, defaults={"email": self.cleaned_data["email"]}
        )
