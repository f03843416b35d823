"""TSFD pages: the generic views for the request, plus the workflow pages and the queue."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from core import generic_views as generic
from core import permissions
from core.audit import ConcurrentEditError
from core.workflow import TransitionRefused
from tsfd import queue, workflow
from tsfd.filters import (
    DelegationLetterFilterSet,
    DisclosureRequestFilterSet,
    NdpLevelFilterSet,
    ReleaseFilterSet,
)
from tsfd.forms import (
    DecisionForm,
    DelegationLetterForm,
    DisclosureRequestForm,
    IntakeForm,
    ReleaseForm,
    ReviewForm,
)
from tsfd.models import (
    DelegationLetter,
    DisclosureRequest,
    NdpLevel,
    Release,
    Review,
    ReviewArea,
)
from tsfd.tables import (
    DelegationLetterTable,
    DisclosureRequestTable,
    NdpLevelTable,
    ReleaseTable,
)

S = DisclosureRequest.Status

DETAIL_QUERYSET = DisclosureRequest.objects.select_related(
    "program",
    "agreement",
    "recipient_country",
    "recipient_organization",
    "information_category",
    "requested_by",
    "decided_by",
    "intake_by",
    "reconsideration_of",
    "ddl",
)

PROGRAM_FACT_LABELS = {
    "code": "Code",
    "name": "Name",
    "cpi_identified": "Critical program information identified",
    "anti_tamper_required": "Anti-tamper required",
    "exportability_features": "Exportability features",
    "protection_plan_status": "Technology protection plan",
}


def program_facts(case, user):
    """(program shown in full?, [(label, value)] of the facts a decider reads on the case)."""
    program, fields = permissions.read_through(user, case, "program")
    if program is None or fields is None:
        return program is not None, []
    facts = []
    for name in fields:
        value = getattr(program, name)
        if name == "protection_plan_status":
            value = program.get_protection_plan_status_display()
        elif name == "exportability_features":
            value = ", ".join(value)
        elif isinstance(value, bool):
            value = "Yes" if value else "No"
        facts.append((PROGRAM_FACT_LABELS[name], value))
    return False, facts


def precedents(case, user, limit=10):
    """Earlier decisions for the same recipient country and the same category or program,
    as far as the user may see them, newest first, with their provisos."""
    same = Q(pk__in=[])
    if case.information_category_id:
        same |= Q(information_category_id=case.information_category_id)
    if case.program_id:
        same |= Q(program_id=case.program_id)
    found = (
        DisclosureRequest.objects.filter(
            same,
            recipient_country_id=case.recipient_country_id,
            status__in=DisclosureRequest.DECIDED,
        )
        .exclude(pk=case.pk)
        .select_related("information_category")
        .prefetch_related("provisos")
        .order_by("-decided_at", "-pk")
    )
    return list(permissions.restrict(found, user, "view")[:limit])


def ndp_context(case):
    return {"ndp_level": case.ndp_level, "exceeds_ndp": case.exceeds_ndp}


def with_link_visibility(queryset, user):
    """Annotate whether the user may open each request's program and agreement."""
    from agreements.models import Agreement
    from programs.models import Program

    programs = permissions.restrict(Program.objects.all(), user, "view").values("pk")
    agreements = permissions.restrict(Agreement.objects.all(), user, "view").values("pk")
    return queryset.annotate(
        program_visible=ExpressionWrapper(Q(program__in=programs), output_field=BooleanField()),
        agreement_visible=ExpressionWrapper(
            Q(agreement__in=agreements), output_field=BooleanField()
        ),
    )


def labelled(entries):
    """Timeline rows with the words for their step and the status it led to."""
    statuses = dict(S.choices)
    rows = list(entries)
    for entry in rows:
        # Older timelines log a resubmission by where it went back to (resubmit_in_review).
        name = "resubmit" if entry.name.startswith("resubmit") else entry.name
        step = workflow.WORKFLOW.get(name)
        entry.status_label = statuses.get(entry.target, entry.target)
        entry.step_label = step.label if step else entry.name
    return rows


def refuse(request, reasons):
    for reason in reasons:
        messages.error(request, reason)


class RequestListView(generic.ObjectListView):
    queryset = DisclosureRequest.objects.select_related(
        "program", "agreement", "recipient_country", "recipient_organization", "requested_by"
    )
    filterset_class = DisclosureRequestFilterSet
    table_class = DisclosureRequestTable
    template_name = "tsfd/request_list.html"
    title = "Disclosure requests"
    bulk_edit = False

    def get(self, request):
        self.queryset = with_link_visibility(type(self).queryset, request.user)
        return super().get(request)

    def extra_context(self, request):
        # The generic header would offer a CSV import; requests are raised one by one, so
        # the add button lives in the TSFD toolbar instead.
        open_reviews = Review.objects.filter(
            reviewer=request.user,
            completed_at__isnull=True,
            request__status__in=[S.IN_REVIEW, S.RETURNED],
        )
        return {
            "can_add": False,
            "can_add_request": permissions.can_add(request.user, DisclosureRequest),
            "queue_count": open_reviews.count(),
            "show_queue": workflow.may_review(request.user)
            or request.user.has_perm("tsfd.decide_disclosurerequest"),
        }


class RequestDetailView(generic.ObjectDetailView):
    queryset = DETAIL_QUERYSET
    template_name = "tsfd/request_detail.html"

    def extra_context(self, request, obj):
        user = request.user
        reviews = list(obj.reviews.select_related("area", "reviewer", "assigned_by"))
        visible_links = {
            "program": obj.program is not None and permissions.can(user, "view", obj.program),
            "agreement": obj.agreement is not None and permissions.can(user, "view", obj.agreement),
        }
        reconsiderations = list(permissions.restrict(obj.reconsiderations.all(), user, "view"))
        earlier = obj.reconsideration_of
        earlier = earlier if earlier and permissions.can(user, "view", earlier) else None
        steps = workflow.WORKFLOW.available(obj, user)
        timeline = labelled(workflow.timeline(obj))
        returns = [e for e in timeline if e.name == "return"]
        program_in_full, facts = program_facts(obj, user)
        ddl = obj.ddl if obj.ddl_id and permissions.can(user, "view", obj.ddl) else None
        releases = list(obj.releases.select_related("recipient_country", "released_by"))
        return {
            **ndp_context(obj),
            "program_facts": facts,
            "ddl": ddl,
            "precedents": precedents(obj, user),
            "releases": releases,
            "releases_beyond_scope": [r for r in releases if r.beyond_scope()],
            "can_release": obj.may_release
            and user.has_perm("tsfd.decide_disclosurerequest")
            and permissions.can(user, "change", obj),
            "can_change": obj.is_editable and permissions.can(user, "change", obj),
            "can_delete": obj.status == S.DRAFT and permissions.can(user, "delete", obj),
            "can_add_documents": not obj.is_closed and permissions.can(user, "change", obj),
            "reviews": reviews,
            "my_open_review": next(
                (r for r in reviews if r.reviewer_id == user.pk and not r.is_complete), None
            ),
            "provisos": list(obj.provisos.all()),
            "steps": [t for t in steps if not t.via],
            "can_decide": any(t.via == "decide" for t in steps),
            "can_intake": obj.status in (S.INTAKE, S.IN_REVIEW) and workflow.may_decide(obj, user),
            "timeline": timeline,
            "return_note": returns[-1] if returns and obj.status == S.RETURNED else None,
            "program_visible": visible_links["program"] or program_in_full,
            "agreement_visible": visible_links["agreement"],
            "earlier": earlier,
            "reconsiderations": reconsiderations,
            # Linked records named on the page count for the banner's marking.
            "shown": [
                *reconsiderations,
                *([earlier] if earlier else []),
                *([obj.program] if visible_links["program"] or facts else []),
                *([ddl] if ddl else []),
                *([obj.agreement] if visible_links["agreement"] else []),
            ],
            "can_reconsider": obj.is_decided and permissions.can_add(user, DisclosureRequest),
            "requested_by_me": obj.requested_by_id == user.pk,
        }


class NotEditable(Exception):
    """The case is not open to this change; the message says why."""

    def __init__(self, obj, text=None):
        self.obj = obj
        if text is None and obj.is_decided:
            text = (
                f"{obj.number} is decided ({obj.get_status_display().lower()}): a decision is "
                "final and the case is never edited. Ask for a reconsideration instead."
            )
        elif text is None and obj.is_closed:
            text = f"{obj.number} is withdrawn: it is kept as it was."
        elif text is None:
            text = (
                f"{obj.number} is {obj.get_status_display().lower()}: its content is frozen "
                "while it is reviewed. It can change only if it is returned to you."
            )
        super().__init__(text)


class RedirectsWhenNotEditable:
    """A page whose case is not open to it sends the user back to the case, saying why."""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotEditable as exc:
            messages.error(request, str(exc))
            return redirect(exc.obj.get_absolute_url())


class RequestEditView(RedirectsWhenNotEditable, generic.ObjectEditView):
    """Add or edit a request. Content is frozen once submitted, except while returned."""

    queryset = DisclosureRequest.objects.all()
    form_class = DisclosureRequestForm
    template_name = "tsfd/request_form.html"

    def get_object(self, request, pk):
        obj = super().get_object(request, pk)
        if obj.pk is not None and not obj.is_editable:
            raise NotEditable(obj)
        return obj

    def after_create(self, request, obj):
        """No team: the requester is `requested_by`; visibility follows the case's rules."""


class ReconsiderView(RequestEditView):
    """A reconsideration is a new request linked to the decided one, prefilled from it."""

    def get_object(self, request, pk):
        original = permissions.get_object_or_404(DETAIL_QUERYSET, request.user, "view", pk=pk)
        if not original.is_decided:
            raise NotEditable(original, "Only a decided case can be reconsidered.")
        if not permissions.can_add(request.user, DisclosureRequest):
            raise PermissionDenied("You may not add a disclosure request.")
        copy = DisclosureRequest(reconsideration_of=original)
        for name in DisclosureRequestForm.Meta.fields:
            setattr(copy, name, getattr(original, name))
        copy.title = f"Reconsideration: {original.title}"[:200]
        copy.needed_by = None
        return copy

    def get_return_url(self, request, copy):
        return copy.reconsideration_of.get_absolute_url()

    def extra_context(self, request, copy):
        return {"original": copy.reconsideration_of, "model_name": "reconsideration request"}

    def success_message(self, saved, created):
        return f"Reconsideration {saved.number} created as a draft."


class RequestDeleteView(generic.ObjectDeleteView):
    """Only a draft can be deleted; a submitted case is withdrawn instead."""

    queryset = DisclosureRequest.objects.all()

    def dispatch(self, request, pk):
        obj = permissions.get_object_or_404(self.queryset, request.user, "delete", pk=pk)
        if obj.status != S.DRAFT:
            messages.error(request, "Only a draft can be deleted; withdraw a submitted request.")
            return redirect(obj.get_absolute_url())
        return super().dispatch(request, pk)


class RequestDocumentAddView(generic.DocumentAddView):
    """Documents may be added until the case is closed."""

    queryset = DisclosureRequest.objects.all()

    def get_record(self, request, pk):
        record = super().get_record(request, pk)
        if record.is_closed:
            raise PermissionDenied("The case is closed: its file is kept as it was decided.")
        return record


class StepView(generic.TransitionView):
    """Submit, begin intake, send to reviewers, return, resubmit, withdraw (`?name=`)."""

    queryset = DETAIL_QUERYSET
    workflow = workflow.WORKFLOW


class DecideView(View):
    """The approver's decision, with rationale and provisos. Final once recorded."""

    template_name = "tsfd/decide.html"

    def get_case(self, request, pk):
        obj = permissions.get_object_or_404(DETAIL_QUERYSET, request.user, "view", pk=pk)
        if not workflow.may_decide(obj, request.user):
            if obj.requested_by_id == request.user.pk:
                raise PermissionDenied("You requested this case: someone else must decide it.")
            raise PermissionDenied("Only a TSFD approver may decide a case.")
        return obj

    def render(self, request, obj, form, status=200):
        reviews = obj.reviews.select_related("area", "reviewer")
        _, facts = program_facts(obj, request.user)
        return render(
            request,
            self.template_name,
            {
                "object": obj,
                "form": form,
                "reviews": reviews,
                "program_facts": facts,
                "precedents": precedents(obj, request.user),
                "page_marking": obj.marking,
                **ndp_context(obj),
            },
            status=status,
        )

    def get(self, request, pk):
        obj = self.get_case(request, pk)
        if obj.status != S.DECISION_PENDING:
            refuse(request, [f"{obj.number} is not awaiting a decision."])
            return redirect(obj.get_absolute_url())
        initial = {"version": obj.version, "ddl": obj.ddl_id}
        return self.render(request, obj, DecisionForm(initial=initial, user=request.user))

    def post(self, request, pk):
        obj = self.get_case(request, pk)
        form = DecisionForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render(request, obj, form, status=400)
        data = form.cleaned_data
        try:
            workflow.decide(
                obj,
                request.user,
                data["decision"],
                data["rationale"],
                provisos=form.proviso_lines(),
                scope=data.get("scope", ""),
                version=data.get("version"),
                valid_until=data.get("valid_until"),
                limit=data.get("limit") or "",
                standard_provisos=list(data.get("standard_provisos") or []),
                ddl=data.get("ddl"),
            )
        except (TransitionRefused, ConcurrentEditError) as exc:
            refuse(request, getattr(exc, "reasons", [str(exc)]))
            return redirect(obj.get_absolute_url())
        messages.success(
            request, f"{obj.number}: {obj.get_status_display()}. The decision is final."
        )
        return redirect(obj.get_absolute_url())


class IntakeView(RedirectsWhenNotEditable, View):
    """Intake: choose the review areas and a reviewer for each (also to reassign in review)."""

    template_name = "tsfd/intake.html"

    def get_case(self, request, pk):
        obj = permissions.get_object_or_404(DETAIL_QUERYSET, request.user, "view", pk=pk)
        if not workflow.may_decide(obj, request.user):
            raise PermissionDenied("Only a TSFD approver who did not request the case runs intake.")
        if obj.status not in (S.INTAKE, S.IN_REVIEW):
            raise NotEditable(obj) if obj.is_closed else Http404("Not in intake.")
        return obj

    def form(self, obj, data=None):
        used = obj.reviews.values("area_id")
        areas = ReviewArea.objects.filter(Q(active=True) | Q(pk__in=used))
        return IntakeForm(
            data,
            request_obj=obj,
            areas=areas,
            candidates=workflow.reviewer_candidates(obj),
        )

    def render(self, request, obj, form, status=200):
        return render(
            request,
            self.template_name,
            {"object": obj, "form": form, "page_marking": obj.marking, **ndp_context(obj)},
            status=status,
        )

    def get(self, request, pk):
        obj = self.get_case(request, pk)
        return self.render(request, obj, self.form(obj))

    def post(self, request, pk):
        obj = self.get_case(request, pk)
        form = self.form(obj, request.POST)
        if not form.is_valid():
            return self.render(request, obj, form, status=400)
        try:
            with transaction.atomic():
                reason = form.cleaned_data.get("shared_reviewer_reason", "").strip()
                if reason != obj.shared_reviewer_reason:
                    obj.shared_reviewer_reason = reason
                    obj.save()
                for area, wanted, reviewer in form.choices():
                    present = obj.reviews.filter(area=area).first()
                    if wanted:
                        if present is None or present.reviewer_id != getattr(reviewer, "pk", None):
                            workflow.assign(obj, request.user, area, reviewer)
                    elif present is not None:
                        workflow.unassign(obj, request.user, area)
        except TransitionRefused as exc:
            for reason in exc.reasons:
                form.add_error(None, reason)
            return self.render(request, obj, form, status=400)
        except ValidationError as exc:
            for reason in exc.messages:
                form.add_error(None, reason)
            obj.refresh_from_db()
            return self.render(request, obj, form, status=400)
        messages.success(request, f"Review areas of {obj.number} saved.")
        return redirect(obj.get_absolute_url() + "#reviews")


class ReviewView(View):
    """One review of a case (`?area=CODE`; by default the user's own open one).

    Everyone who may see the case may read its reviews; only the assigned reviewer
    records one, and only while the case is in review.
    """

    template_name = "tsfd/review.html"

    def get_review(self, request, pk):
        case = permissions.get_object_or_404(DETAIL_QUERYSET, request.user, "view", pk=pk)
        reviews = case.reviews.select_related("area", "reviewer", "assigned_by")
        area = request.GET.get("area")
        if area:
            review = reviews.filter(area__code=area).first()
        else:
            review = reviews.filter(reviewer=request.user, completed_at__isnull=True).first()
            review = review or reviews.filter(reviewer=request.user).first()
        if review is None:
            raise Http404("No such review of this case.")
        review.request = case
        return review

    def render(self, request, review, form, status=200):
        case = review.request
        can_record = (
            review.reviewer_id == request.user.pk
            and not review.is_complete
            and case.status == S.IN_REVIEW
        )
        return render(
            request,
            self.template_name,
            {
                "review": review,
                "object": case,
                "form": form if can_record else None,
                "can_return": case.status in workflow.WORKFLOW.get("return").sources
                and workflow.may_return(case, request.user),
                "page_marking": case.marking,
                "program_facts": program_facts(case, request.user)[1],
                "precedents": precedents(case, request.user),
                **ndp_context(case),
            },
            status=status,
        )

    def get(self, request, pk):
        review = self.get_review(request, pk)
        return self.render(request, review, ReviewForm(instance=review))

    def post(self, request, pk):
        review = self.get_review(request, pk)
        form = ReviewForm(request.POST, instance=Review.objects.get(pk=review.pk))
        if not form.is_valid():
            return self.render(request, review, form, status=400)
        try:
            workflow.record_review(
                review,
                request.user,
                form.cleaned_data["recommendation"],
                form.cleaned_data["comments"],
            )
        except TransitionRefused as exc:
            refuse(request, exc.reasons)
            return redirect(review.get_absolute_url())
        messages.success(
            request, f"Your {review.area} review of {review.request.number} is recorded."
        )
        return redirect(review.request.get_absolute_url())


class QueueView(View):
    """A reviewer's open reviews, and an approver's cases, most urgent first."""

    def get(self, request):
        reviews = queue.review_queue(request.user)
        return render(
            request,
            "tsfd/queue.html",
            {
                "reviews": reviews,
                "show_reviews": bool(reviews) or workflow.may_review(request.user),
                "approver": queue.approver_queues(request.user),
            },
        )


def panel_requests(queryset, user):
    """A related panel's requests, through the permission layer."""
    return (
        permissions.restrict(queryset, user, "view")
        .select_related("recipient_country", "requested_by")
        .prefetch_related(Prefetch("reviews", queryset=Review.objects.select_related("area")))
        .order_by("-created_at")
    )


# Releases under a decision ------------------------------------------------------------

RELEASE_QUERYSET = Release.objects.select_related(
    "request", "request__recipient_country", "recipient_country", "released_by"
)


class ReleaseListView(generic.ObjectListView):
    """The release log: every release under the decisions the user may see."""

    queryset = RELEASE_QUERYSET
    filterset_class = ReleaseFilterSet
    table_class = ReleaseTable
    title = "Releases"
    bulk_edit = False

    def extra_context(self, request):
        return {"can_add": False}


class ReleaseDetailView(generic.ObjectDetailView):
    queryset = RELEASE_QUERYSET
    template_name = "tsfd/release_detail.html"

    def extra_context(self, request, obj):
        return {"can_change": False, "can_delete": False, "beyond_scope": obj.beyond_scope()}


class ReleaseAddView(generic.ObjectEditView):
    """Record a release under a decision (the URL's pk is the case's); FDOs only."""

    queryset = Release.objects.all()
    form_class = ReleaseForm
    template_name = "tsfd/release_form.html"
    adds_to_parent = True
    created_verb = "recorded"

    def extra_context(self, request, obj):
        return {"under": obj.request, "page_marking": obj.request.marking}

    def get_object(self, request, pk):
        release = super().get_object(request, pk)
        if not request.user.has_perm("tsfd.decide_disclosurerequest"):
            raise PermissionDenied("Only a foreign disclosure officer records a release.")
        release.released_by = request.user
        return release

    def get_initial(self, request, obj):
        return {
            "released_on": timezone.localdate(),
            "recipient_country": obj.request.recipient_country_id,
            "classification_released": obj.request.decision_limit or None,
        }

    def get_list_url(self):
        return reverse("tsfd:releases:list")

    def get_success_url(self, obj):
        return obj.request.get_absolute_url() + "#releases"

    def success_message(self, obj, created):
        flags = obj.beyond_scope()
        note = f" Beyond the decision's scope: {' '.join(flags)}" if flags else ""
        return f"Release under {obj.request.number} recorded.{note}"


# Delegation of Disclosure Authority Letters --------------------------------------------

DDL_QUERYSET = DelegationLetter.objects.select_related("program").prefetch_related("countries")


class DelegationLetterListView(generic.ObjectListView):
    queryset = DDL_QUERYSET
    filterset_class = DelegationLetterFilterSet
    table_class = DelegationLetterTable
    title = "Delegation of Disclosure Authority Letters"
    bulk_edit = False


class DelegationLetterDetailView(generic.ObjectDetailView):
    queryset = DDL_QUERYSET
    template_name = "tsfd/ddl_detail.html"

    def extra_context(self, request, obj):
        cases = list(
            permissions.restrict(obj.requests.all(), request.user, "view").order_by("-created_at")
        )
        program, fields = permissions.read_through(request.user, obj, "program")
        return {
            "cases": cases,
            "program_shown": program if fields is None else None,
            "shown": cases + ([program] if program is not None and fields is None else []),
        }


class DelegationLetterEditView(generic.ObjectEditView):
    queryset = DelegationLetter.objects.all()
    form_class = DelegationLetterForm

    def get_list_url(self):
        return reverse("tsfd:ddl:list")

    def after_create(self, request, obj):
        """Reference library: visibility comes from roles, no team to seed."""


class DelegationLetterDeleteView(generic.ObjectDeleteView):
    queryset = DelegationLetter.objects.all()

    def get_list_url(self):
        return reverse("tsfd:ddl:list")


class DelegationLetterDocumentAddView(generic.DocumentAddView):
    queryset = DelegationLetter.objects.all()


# National Disclosure Policy levels (reference data) ------------------------------------


class NdpLevelListView(generic.ObjectListView):
    queryset = NdpLevel.objects.select_related("country", "category")
    filterset_class = NdpLevelFilterSet
    table_class = NdpLevelTable
    title = "National Disclosure Policy levels"
    bulk_edit = False
