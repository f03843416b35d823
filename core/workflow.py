"""Table-driven state machines for agreements and TSFD requests (DESIGN §4).

An app writes its lifecycle in its `workflow.py` as a table, one row a step: name, label,
the states it leaves from, the state it leads to, who may take it, what must be true first.

    LEAD = Who("the team lead", lambda obj, user: permissions.can(user, "manage", obj))
    WORKFLOW = Workflow(
        Transition("submit", "Submit", {S.DRAFT}, S.SUBMITTED, LEAD, summary_written),
        Transition("withdraw", "Withdraw", OPEN, S.WITHDRAWN, LEAD, comment_required=True),
        notify=team_members,
    )

A `Who` is a test and the words a refusal uses; each check returns what is still missing,
in words. `WORKFLOW.available(obj, user)` lists the buttons; `WORKFLOW.perform(...)` takes
a step after checking the version the page showed, who may and what must be true first,
then saves the record (audited, version-checked), records a TransitionLog row and
notifies. A refused step raises `TransitionRefused` with the reasons and changes nothing.
Pages and the API take every step through `core.generic_views.TransitionView` and
`core.api.TransitionMixin`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from core.audit import ConcurrentEditError
from core.models import TransitionLog
from core.notifications import notify


class TransitionRefused(Exception):
    def __init__(self, reasons):
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


@dataclass(frozen=True)
class Who:
    """Who may take a step: a test of (record, user) and the words a refusal uses."""

    words: str
    test: Callable

    def __call__(self, obj, user):
        return self.test(obj, user)


def _nobody(obj):
    return []


@dataclass(frozen=True)
class Transition:
    """One row of a lifecycle table."""

    name: str
    label: str
    sources: frozenset  # the states it leaves from
    target: object  # the state it leads to, or a function of the record (back where it was)
    who: Who
    checks: tuple = ()  # functions of the record, each returning what is missing, in words
    notify: Callable | None = None  # function of the record: whom to tell (else the table's)
    comment_required: bool = False
    style: str = ""  # the button's look: "outline", "secondary" (destructive)
    automatic: bool = False  # the portal takes it by itself: no button, refused when asked
    via: str = ""  # taken on its own page and API action (a decision), not as a plain step
    prompt: str = ""  # what the comment box asks on the confirmation page
    note: str = ""  # what the confirmation page warns of

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))
        checks = self.checks if isinstance(self.checks, tuple | list) else (self.checks,)
        object.__setattr__(self, "checks", tuple(checks))

    def allowed(self, obj, user):
        return self.who(obj, user)

    def check(self, obj):
        """What must still be done before this step can be taken, in words."""
        return [problem for check in self.checks for problem in check(obj)]

    def target_for(self, obj):
        return self.target(obj) if callable(self.target) else self.target


class Workflow:
    """One record type's lifecycle: its table and how a step is taken.

    `notify(obj)` is whom a step tells when its row names nobody; `stamp(obj, transition,
    user)` records what a step sets beside the state (dates, who decided), before the save.
    """

    def __init__(self, *transitions, state_field="status", notify=_nobody, stamp=None):
        self.transitions = list(transitions)
        self.state_field = state_field
        self.notify = notify
        self.stamp = stamp

    def __iter__(self):
        return iter(self.transitions)

    def get(self, name):
        return next((t for t in self.transitions if t.name == name), None)

    def state_label(self, obj, state=None):
        state = getattr(obj, self.state_field) if state is None else state
        return dict(obj._meta.get_field(self.state_field).flatchoices).get(state, state)

    def available(self, obj, user):
        """The steps the user may take now (buttons); what must be true is checked on click."""
        state = getattr(obj, self.state_field)
        return [
            t
            for t in self.transitions
            if state in t.sources and not t.automatic and t.allowed(obj, user)
        ]

    def perform(self, obj, user, name, comment="", version=None):
        """Take step `name` as `user`, or raise TransitionRefused and change nothing.

        `version` is the one the user's page or request showed: a stale one is refused.
        """
        transition = self.get(name)
        if transition is None:
            raise TransitionRefused([f"“{name}” is not a step of this workflow."])
        if transition.automatic:
            raise TransitionRefused([f"“{transition.label}” happens by itself."])
        if transition.via:
            raise TransitionRefused(
                [f"“{transition.label}” is taken through “{transition.via}” (page or API action)."]
            )
        self.expect_version(obj, version)
        return self.take(obj, user, transition, comment)

    def expect_version(self, obj, version):
        """Refuse a step taken from a page (or request) that showed an older version."""
        if version is not None and str(version) != str(getattr(obj, "version", version)):
            raise TransitionRefused([self._changed(obj)])

    def take(self, obj, user, transition, comment=""):
        """Take `transition` (one with its own page, or an automatic one) after its checks."""
        state = getattr(obj, self.state_field)
        reasons = []
        if state not in transition.sources:
            shown = self.state_label(obj)
            reasons.append(f"“{transition.label}” is not possible while the record is {shown}.")
        elif not transition.allowed(obj, user):
            reasons.append(f"Only {transition.who.words} may {transition.label.lower()}.")
        else:
            reasons += transition.check(obj)
            if transition.comment_required and not comment.strip():
                reasons.append("A comment is required for this step.")
        if reasons:
            raise TransitionRefused(reasons)
        try:
            self._apply(obj, user, transition, state, comment.strip())
        except ConcurrentEditError:
            obj.refresh_from_db()  # the in-memory copy was already moved on: undo that too
            raise TransitionRefused([self._changed(obj)]) from None
        return transition

    def _changed(self, obj):
        return (
            f"The {obj._meta.verbose_name} was changed by someone else after you opened it; "
            "nothing was changed. Reload the page and try again."
        )

    def _apply(self, obj, user, transition, state, comment):
        with transaction.atomic():
            setattr(obj, self.state_field, transition.target_for(obj))
            if self.stamp is not None:
                self.stamp(obj, transition, user)
            obj.save()
            target = getattr(obj, self.state_field)
            TransitionLog.objects.create(
                content_type=ContentType.objects.get_for_model(type(obj)),
                object_id=obj.pk,
                name=transition.name,
                source=state,
                target=target,
                user=user,
                comment=comment,
            )
            people = (transition.notify or self.notify)(obj)
            recipients = [u for u in people if u is not None and u != user]
            if recipients:
                notify(
                    recipients,
                    f"{obj}: {self.state_label(obj)}",
                    body=f"{user.get_full_name() or user} — {transition.label}."
                    + (f"\n\n{comment}" if comment else ""),
                    url=obj.get_absolute_url(),
                )


def timeline(obj):
    """Every step of obj's lifecycle, oldest first."""
    return TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("user")
