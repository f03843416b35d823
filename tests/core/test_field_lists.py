"""The API writes the fields the forms edit: no field exists on one side only by accident.

Each model with a form and a writable serializer has one list of fields, in its app's
forms.py; the serializer's `Meta.fields` is built from it by `core.api.api_fields`, which
declares, next to the call and with why, every deliberate difference (the parent link of
a child, computed or workflow-owned read-only fields, a link the form takes as one typed
code). Here every (form, serializer) pair is held to it: the serializer's writable fields
are the form's fields, plus and minus what is declared — a field added to one side only
fails. The workflow actions' request bodies are held to their forms the same way.

Every serializer of a writable API (a `RestrictedModelViewSet`) must be in PAIRS, so a new
endpoint cannot skip the check.
"""

import importlib
import importlib.util

import pytest
from django.apps import apps

from agreements.api.serializers import AgreementParticipantSerializer, AgreementSerializer
from agreements.api.serializers import TransitionRequestSerializer as AgreementStepSerializer
from agreements.forms import AgreementForm, SignatoryForm
from agreements.forms import ParticipantForm as AgreementParticipantForm
from briefs.api.serializers import PacketRequestSerializer
from briefs.forms import PacketRequestForm
from core.api import ApiFields, RestrictedModelViewSet
from core.forms import TransitionForm
from fora.api.serializers import (
    ActionItemSerializer,
    AgendaItemSerializer,
    AttendeeSerializer,
    ForumSerializer,
    MeetingSerializer,
    WorkingGroupSerializer,
)
from fora.forms import (
    ActionItemForm,
    AgendaItemForm,
    AttendeeForm,
    ForumForm,
    MeetingForm,
    WorkingGroupForm,
)
from programs.api.serializers import (
    FundingSerializer,
    MilestoneSerializer,
    ParticipantSerializer,
    ProgramSerializer,
)
from programs.forms import FundingForm, MilestoneForm, ParticipantForm, ProgramForm
from tsfd.api.serializers import (
    DelegationLetterSerializer,
    DisclosureDecisionSerializer,
    DisclosureRequestSerializer,
    DisclosureStepSerializer,
    ReleaseSerializer,
    ReviewRecordSerializer,
)
from tsfd.forms import (
    DecisionForm,
    DelegationLetterForm,
    DisclosureRequestForm,
    ReleaseForm,
    ReviewForm,
)

# (the forms that edit the record, the serializer that writes it through the API)
PAIRS = [
    ((ProgramForm,), ProgramSerializer),
    ((ParticipantForm,), ParticipantSerializer),
    ((FundingForm,), FundingSerializer),
    ((MilestoneForm,), MilestoneSerializer),
    ((AgreementForm,), AgreementSerializer),
    # A party's contributions and its signatory are two tabs of the page, one API record.
    ((AgreementParticipantForm, SignatoryForm), AgreementParticipantSerializer),
    ((ForumForm,), ForumSerializer),
    ((WorkingGroupForm,), WorkingGroupSerializer),
    ((MeetingForm,), MeetingSerializer),
    ((AgendaItemForm,), AgendaItemSerializer),
    ((AttendeeForm,), AttendeeSerializer),
    ((ActionItemForm,), ActionItemSerializer),
    ((DisclosureRequestForm,), DisclosureRequestSerializer),
    ((ReleaseForm,), ReleaseSerializer),
    ((DelegationLetterForm,), DelegationLetterSerializer),
    # Request bodies of workflow actions: plain serializers, the same fields as the form.
    ((TransitionForm,), AgreementStepSerializer),
    ((TransitionForm,), DisclosureStepSerializer),
    ((DecisionForm,), DisclosureDecisionSerializer),
    ((ReviewForm,), ReviewRecordSerializer),
    ((PacketRequestForm,), PacketRequestSerializer),
]
# Not paired: tsfd's IntakeForm has a row per review area; the `assign` action takes one
# area at a time (ReviewAssignmentSerializer). Import and bulk-edit forms have no API.


def _ids(pair):
    return pair[1].__name__


def form_fields(form_classes):
    """The fields the forms edit; a versioned form's `expected_version` is the version."""
    names = set()
    for form_class in form_classes:
        names |= {"version" if n == "expected_version" else n for n in form_class.base_fields}
    return names


def writable_fields(serializer_class):
    return {name for name, field in serializer_class().fields.items() if not field.read_only}


def expected_writable(form_classes, serializer_class):
    fields = getattr(getattr(serializer_class, "Meta", None), "fields", None)
    expected = form_fields(form_classes)
    if isinstance(fields, ApiFields):
        expected = (expected - set(fields.form_only)) | set(fields.writable)
        if fields.parent:
            expected.add(fields.parent)
    return expected


@pytest.mark.parametrize("pair", PAIRS, ids=_ids)
def test_serializer_writes_what_the_form_edits(pair):
    form_classes, serializer_class = pair
    assert writable_fields(serializer_class) == expected_writable(form_classes, serializer_class)


@pytest.mark.parametrize("pair", PAIRS, ids=_ids)
def test_serializer_fields_come_from_the_forms_list(pair):
    form_classes, serializer_class = pair
    meta = getattr(serializer_class, "Meta", None)
    if meta is None:  # a plain serializer: its fields are declared one by one
        return
    fields = meta.fields
    assert isinstance(fields, ApiFields), "build Meta.fields with core.api.api_fields"
    for form_class in form_classes:
        # A list would grow: an inline formset appends its parent's key to its form's
        # fields in place, and the API's list would then depend on what was built first.
        assert isinstance(form_class._meta.fields, tuple), "declare the form's fields as a tuple"
    declared = [name for form_class in form_classes for name in form_class._meta.fields]
    assert fields.form_fields == tuple(dict.fromkeys(declared))
    versioned_form = any("expected_version" in f.base_fields for f in form_classes)
    assert fields.versioned == versioned_form
    serializer_fields = serializer_class().fields
    for name in fields.read_only:
        assert serializer_fields[name].read_only, f"{name} is declared read-only"


def _writable_api_serializers():
    for config in apps.get_app_configs():
        module = f"{config.name}.api.views"
        if _has_module(module):
            importlib.import_module(module)
    found, pending = set(), [RestrictedModelViewSet]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.endswith(".api.views"):
                found.add(subclass.serializer_class)
    return found


def _has_module(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def test_every_writable_api_is_paired_with_its_form():
    paired = {serializer_class for _, serializer_class in PAIRS}
    missing = sorted(s.__name__ for s in _writable_api_serializers() - paired)
    assert not missing, f"serializers without a form pair in PAIRS: {missing}"
