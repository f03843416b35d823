"""Table-driven state machines for agreements and TSFD requests (DESIGN §4).

An app declares its machine as a list of `Transition`s in its `workflow.py`:

    TRANSITIONS = [
        Transition("submit", "Submit", sources={"draft"}, target="submitted",
                   allowed=lambda obj, user: obj.requested_by_id == user.pk,
                   who="the requester",
                   check=lambda obj: [] if obj.title else ["A title is needed."],
                   notify=lambda obj: [obj.approver]),
    ]

`available(obj, user, transitions)` lists the buttons to show; `perform(...)` applies
one after checking who may and what must be true, records a TransitionLog row, saves
the record (audited, version-checked) and notifies. A refused transition raises
`TransitionRefused` with the reasons and changes nothing.
"""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from core.audit import ConcurrentEditError
from core.models import TransitionLog
from core.notifications import notify


class TransitionRefused(Exception):
    def __init__(self, reasons):
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


def _nobody(obj):
    return []


def _no_problems(obj):
    return []


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: str
    allowed: object  # callable(obj, user) -> bool
    who: str  # in words, for the refusal message and the docs
    check: object = _no_problems  # callable(obj) -> list of problems in words
    notify: object = _nobody  # callable(obj) -> users to notify
    comment_required: bool = False
    style: str = ""  # "secondary" for destructive buttons
    extra: dict = field(default_factory=dict)


def available(obj, user, transitions, state_field="status"):
    """The transitions the user may make now (buttons); conditions are checked on click."""
    state = getattr(obj, state_field)
    return [t for t in transitions if state in t.sources and t.allowed(obj, user)]


def find(transitions, name):
    return next((t for t in transitions if t.name == name), None)


def perform(obj, user, transitions, name, comment="", state_field="status", before_save=None):
    """Apply transition `name` to obj as user, or raise TransitionRefused (nothing changed)."""
    transition = find(transitions, name)
    if transition is None:
        raise TransitionRefused([f"“{name}” is not a step of this workflow."])
    state = getattr(obj, state_field)
    reasons = []
    if state not in transition.sources:
        label = obj._meta.get_field(state_field).flatchoices
        shown = dict(label).get(state, state)
        reasons.append(f"“{transition.label}” is not possible while the record is {shown}.")
    elif not transition.allowed(obj, user):
        reasons.append(f"Only {transition.who} may {transition.label.lower()}.")
    else:
        reasons += transition.check(obj)
        if transition.comment_required and not comment.strip():
            reasons.append("A comment is required for this step.")
    if reasons:
        raise TransitionRefused(reasons)
    try:
        _apply(obj, user, transition, state, comment, state_field, before_save)
    except ConcurrentEditError:
        obj.refresh_from_db()
        raise TransitionRefused(
            [
                "Someone else changed this record after you opened it; nothing was changed. "
                "Reload the page and try again."
            ]
        ) from None
    return transition


def _apply(obj, user, transition, state, comment, state_field, before_save):
    with transaction.atomic():
        setattr(obj, state_field, transition.target)
        if before_save is not None:
            before_save(obj, transition)
        obj.save()
        TransitionLog.objects.create(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=obj.pk,
            name=transition.name,
            source=state,
            target=transition.target,
            user=user,
            comment=comment.strip(),
        )
        recipients = [u for u in transition.notify(obj) if u is not None and u != user]
        if recipients:
            target_label = dict(obj._meta.get_field(state_field).flatchoices).get(
                transition.target, transition.target
            )
            notify(
                recipients,
                f"{obj}: {target_label}",
                body=f"{user.get_full_name() or user} — {transition.label}."
                + (f"\n\n{comment.strip()}" if comment.strip() else ""),
                url=obj.get_absolute_url(),
            )


def timeline(obj):
    """Every step of obj's lifecycle, oldest first."""
    return TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("user")
