"""Fora forms: the forum, its working groups, meetings and their agenda, delegations and
action items, CSV rows and bulk edit."""

import re

from django import forms
from django.db.models import Q

from core import forms as core_forms
from core.forms import ChildForm, ChildFormSet, ImportRowForm, PortalFormMixin, VersionedModelForm
from core.models import Contact, Country, Organization
from core.notifications import notify
from fora import links
from fora.models import ActionItem, AgendaItem, Attendee, Forum, Meeting, WorkingGroup

MARKING_FIELDS = ["classification", "cui_category", "dissemination", "rel_to"]
KEEP_LINK = "__keep__"

# What the forms below edit; the API writes the same fields (fora/api/serializers.py).
# Tuples: an inline formset adds its parent's key to its form's list of fields, in place
# if it is a list.
FORUM_FIELDS = (
    "name",
    "acronym",
    "kind",
    "countries",
    "us_cochair",
    "counterpart_cochair",
    "cadence",
    "purpose",
    *MARKING_FIELDS,
)
WORKING_GROUP_FIELDS = ("name", "focus", "us_lead", "counterpart_lead", "active")
MEETING_FIELDS = (
    "title",
    "start_date",
    "end_date",
    "location",
    "host_country",
    "status",
    "summary",
    "decisions",
    *MARKING_FIELDS,
)
AGENDA_ITEM_FIELDS = ("order", "title", "presenter", "link", "notes")
ATTENDEE_FIELDS = ("country", "name", "organization", "role", "is_head", "visit_request_status")
ACTION_ITEM_FIELDS = (
    "description",
    "owner_user",
    "owner_contact",
    "due_date",
    "status",
    "closure_note",
)


def _partner_countries():
    return Country.objects.exclude(iso3="USA")


class ForumCountriesMixin:
    """Validates the partner countries and audits their change (save() cannot see M2M)."""

    def clean(self):
        cleaned = super().clean()
        countries = cleaned.get("countries")
        if countries is not None and cleaned.get("kind"):
            problems = Forum.country_problems(
                cleaned["kind"], countries, cleaned.get("counterpart_cochair")
            )
            for field, message in problems.items():
                self.add_error(field if field in self.fields else None, message)
        return cleaned

    def _save_m2m(self):
        before = list(self.instance.countries.values_list("iso3", flat=True))
        self.instance._countries_audited_by_caller = True  # one row for the whole edit
        try:
            super()._save_m2m()
        finally:
            del self.instance._countries_audited_by_caller
        self.instance.record_countries_change(before)


class ForumForm(ForumCountriesMixin, VersionedModelForm):
    class Meta:
        model = Forum
        fields = FORUM_FIELDS
        widgets = {"countries": forms.SelectMultiple(attrs={"size": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["countries"].queryset = _partner_countries()
        self.fields["countries"].help_text += " " + core_forms.CHOOSE_SEVERAL
        self.fields["us_cochair"].queryset = core_forms.active_people()
        self.fields["us_cochair"].label_from_instance = core_forms.person_label
        self.fields["counterpart_cochair"].queryset = Contact.objects.select_related(
            "organization__country"
        ).exclude(organization__country__iso3="USA")


class ForumImportForm(ForumCountriesMixin, ImportRowForm):
    """One forum per CSV row. Countries as ISO alpha-3 codes, co-chair by username."""

    unique_column = "name"
    countries = forms.CharField(help_text="partner countries, ISO alpha-3, e.g. GBR; FRA")
    us_cochair = forms.CharField(required=False, help_text="username")

    class Meta:
        model = Forum
        fields = ["name", "acronym", "kind", "countries", "cadence", "us_cochair", "purpose"]

    def clean_countries(self):
        codes = [c.upper() for c in re.split(r"[\s,;]+", self.cleaned_data["countries"]) if c]
        found = {c.iso3: c for c in Country.objects.filter(iso3__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(f"Unknown country code(s): {', '.join(unknown)}.")
        return [found[c] for c in dict.fromkeys(codes)]

    def clean_us_cochair(self):
        return core_forms.active_user_named(self.cleaned_data["us_cochair"])


class ForumBulkEditForm(PortalFormMixin, forms.Form):
    cadence = forms.ChoiceField(
        choices=[("", "— leave unchanged —"), *Forum.Cadence.choices], required=False
    )
    us_cochair = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="— leave unchanged —", label="US co-chair"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["us_cochair"].queryset = core_forms.active_people()
        self.fields["us_cochair"].label_from_instance = core_forms.person_label


class WorkingGroupForm(ChildForm):
    class Meta:
        model = WorkingGroup
        fields = WORKING_GROUP_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["us_lead"].queryset = core_forms.active_people()
        self.fields["us_lead"].label_from_instance = core_forms.person_label
        self.fields["counterpart_lead"].queryset = Contact.objects.select_related("organization")


WorkingGroupFormSet = core_forms.child_formset(Forum, WorkingGroupForm)


class MeetingForm(VersionedModelForm):
    class Meta:
        model = Meeting
        fields = MEETING_FIELDS
        widgets = {
            "start_date": forms.DateInput,
            "end_date": forms.DateInput,
            "summary": forms.Textarea(attrs={"rows": 8}),
            "decisions": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {"summary": "The minutes, once the meeting is held."}


# --- a meeting's children ------------------------------------------------------------------


def _delegation_country_ids(meeting):
    """The US and the forum's partner countries, computed once per formset."""
    ids = getattr(meeting, "_delegation_country_ids", None)
    if ids is None:
        ids = set(meeting.forum.countries.values_list("pk", flat=True))
        ids |= set(Country.objects.filter(iso3="USA").values_list("pk", flat=True))
        meeting._delegation_country_ids = ids
    return ids


class AgendaItemForm(ChildForm):
    # Typed, not picked: an office has thousands of programs, agreements and requests.
    link = forms.CharField(
        required=False,
        max_length=60,
        label="About (program code, agreement or TSFD request number)",
        help_text="e.g. CP-2026-001 or MOU-GBR-2019-01; leave empty for none.",
    )

    class Meta:
        model = AgendaItem
        fields = AGENDA_ITEM_FIELDS
        widgets = {"notes": forms.TextInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].widget.attrs["class"] += " width-8"
        item = self.instance
        self.keeps_hidden_link = False
        if item.pk and item.linked_type_id and item.linked_id:
            record = self._visible_links().get(item.pk)
            if record is not None:
                self.initial["link"] = links.identifier(record)
            else:
                # Linked to a record this editor may not see: keep it, and show nothing
                # that differs from "no link" (they must not learn it exists).
                self.keeps_hidden_link = True

    def _visible_links(self):
        # The links of every row of the formset, read once per request (a query per kind).
        cache = getattr(self.parent, "_visible_links", None)
        if cache is None or cache[0] != getattr(self.user, "pk", None):
            items = self.parent.agenda_items.all() if self.parent is not None else []
            cache = (getattr(self.user, "pk", None), links.visible_links(items, self.user))
            if self.parent is not None:
                self.parent._visible_links = cache
        return cache[1]

    def clean_link(self):
        value = (self.cleaned_data.get("link") or "").strip()
        if not value:
            return KEEP_LINK if self.keeps_hidden_link else ""
        record = links.find(value, self.user)
        if record is None:
            raise forms.ValidationError(
                f"No program, agreement or TSFD request you may see has the code or number "
                f"“{value}”."
            )
        return record

    def save(self, commit=True):
        value = self.cleaned_data.get("link")
        if value == KEEP_LINK:
            pass
        elif not value:
            self.instance.linked_type = None
            self.instance.linked_id = None
        else:
            self.instance.linked_type = links.content_type_for(value._meta.label_lower)
            self.instance.linked_id = value.pk
        return super().save(commit=commit)


class UserFormSet(ChildFormSet):
    """An inline formset whose forms know the requesting user (for permission-aware choices)."""

    def __init__(self, *args, user=None, **kwargs):
        kwargs["form_kwargs"] = {**(kwargs.get("form_kwargs") or {}), "user": user}
        super().__init__(*args, **kwargs)


AgendaItemFormSet = core_forms.child_formset(Meeting, AgendaItemForm, formset=UserFormSet, extra=3)


class AttendeeForm(ChildForm):
    class Meta:
        model = Attendee
        fields = ATTENDEE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.parent is not None:
            ids = _delegation_country_ids(self.parent) | ({self.instance.country_id} - {None})
            self.fields["country"].queryset = Country.objects.filter(pk__in=ids)
            self.fields["organization"].queryset = Organization.objects.filter(
                Q(country__in=ids) | Q(pk=self.instance.organization_id or 0)
            ).select_related("country")


AttendeeFormSet = core_forms.child_formset(Meeting, AttendeeForm, extra=4)


class ActionItemForm(ChildForm):
    class Meta:
        model = ActionItem
        fields = ACTION_ITEM_FIELDS
        widgets = {
            # One line each: the formset is a table; the meeting page shows them in full.
            "description": forms.TextInput,
            "closure_note": forms.TextInput,
            "due_date": forms.DateInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        meeting = self.parent
        if meeting is not None:
            people = getattr(meeting, "_owner_ids", None)
            if people is None:
                people = meeting._owner_ids = [u.pk for u in meeting.forum.people_who_may_view()]
            ids = set(people) | ({self.instance.owner_user_id} - {None})
            self.fields["owner_user"].queryset = core_forms.active_people().filter(pk__in=ids)
            self.fields["owner_contact"].queryset = Contact.objects.filter(
                Q(organization__country__in=meeting.forum.countries.values("pk"))
                | Q(pk=self.instance.owner_contact_id or 0)
            ).select_related("organization")
        self.fields["owner_user"].label_from_instance = core_forms.person_label


class AssigningFormSet(ChildFormSet):
    """Saves the meeting's action items and tells newly named owners once."""

    def save(self, commit=True):
        saved = super().save(commit=commit)
        for form in self.forms:
            item = form.instance
            if (
                item.pk
                and item.owner_user_id
                and item.is_open
                and ("owner_user" in form.changed_data)
                and form not in self.deleted_forms
            ):
                notify_assignment(item)
        return saved


def notify_assignment(item):
    """Tell the owner of an action item that it is theirs (once per owner)."""
    meeting = item.meeting
    notify(
        [item.owner_user],
        f"Action item for you: {item}",
        body=(
            f"From {meeting.forum.short_name}: {meeting.title}"
            f" ({meeting.start_date:%d %b %Y}). Due {item.due_date:%d %b %Y}."
        ),
        url=item.get_absolute_url(),
        key=f"fora:action-item:{item.pk}:assigned:{item.owner_user_id}",
    )


ActionItemFormSet = core_forms.child_formset(Meeting, ActionItemForm, formset=AssigningFormSet)


class ActionItemStatusForm(PortalFormMixin, forms.ModelForm):
    """What an action item's owner may change: its status and what closed it."""

    class Meta:
        model = ActionItem
        fields = ["status", "closure_note"]
        widgets = {"closure_note": forms.Textarea(attrs={"rows": 3})}
