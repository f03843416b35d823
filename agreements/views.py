"""Agreement pages: core's generic views plus the lifecycle buttons and deadlines."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from agreements import workflow
from agreements.deadlines import due_for_action
from agreements.filters import AgreementFilterSet, CoordinationFilterSet
from agreements.forms import (
    AgreementBulkEditForm,
    AgreementForm,
    AgreementImportForm,
    CoordinationAnswerForm,
    CoordinationOverruleForm,
    ParticipantFormSet,
    SignatoryFormSet,
    link_choices,
)
from agreements.models import REPORTING_DAYS, Agreement, AgreementParticipant, Coordination
from agreements.tables import AgreementTable, CoordinationTable, reporting_text
from core import generic_views as generic
from core import permissions
from programs.models import Program

LIST_QUERYSET = Agreement.objects.select_related(
    "legal_authority", "responsible_official"
).prefetch_related(
    Prefetch("participants", queryset=AgreementParticipant.objects.select_related("country"))
)


class AgreementListView(generic.ObjectListView):
    queryset = LIST_QUERYSET
    filterset_class = AgreementFilterSet
    table_class = AgreementTable
    template_name = "agreements/agreement_list.html"

    def extra_context(self, request):
        today = timezone.localdate()
        return {"due_items": due_for_action(request.user, today), "today": today}


class AgreementDetailView(generic.ObjectDetailView):
    queryset = Agreement.objects.select_related(
        "legal_authority", "responsible_official", "parent", "amends"
    )
    template_name = "agreements/agreement_detail.html"

    def extra_context(self, request, agreement):
        user = request.user
        visible = permissions.restrict(Agreement.objects.all(), user, "view")
        participants = list(agreement.participants.select_related("country", "organization"))
        # Steps the user may take: ready ones are buttons, the others say what is missing.
        steps = [(t, t.check(agreement)) for t in workflow.available(agreement, user)]
        transitions = [t for t, problems in steps if not problems]
        blocked = [(t, problems) for t, problems in steps if problems]
        progress = workflow.progress(agreement)
        amendments = list(
            visible.filter(amends=agreement).order_by(
                F("signed_on").asc(nulls_last=True), "created_at", "pk"
            )
        )
        children = list(visible.filter(parent=agreement).order_by("number"))
        parent_visible = agreement.parent_id and visible.filter(pk=agreement.parent_id).exists()
        amends_visible = agreement.amends_id and visible.filter(pk=agreement.amends_id).exists()
        coordinations = list(
            agreement.coordinations.select_related("office", "answered_by", "overruled_by")
        )
        # Who may answer or overrule, read once for the page (not once a row).
        on_team = permissions.can(user, "change", agreement)
        may_decide = user.has_perm(workflow.APPROVE_PERM)
        mine = (
            set(user.coordinating_offices.values_list("pk", flat=True)) if coordinations else set()
        )
        for row in coordinations:
            row.may_answer = row.current and (on_team or row.office_id in mine)
            row.may_overrule = (
                row.current and may_decide and row.state == Coordination.State.NON_CONCURRED
            )
        return {
            "coordinations": [c for c in coordinations if c.current],
            "earlier_coordinations": [c for c in coordinations if not c.current],
            "participants": participants,
            "financial_total": sum(p.financial_contribution for p in participants),
            "in_kind_total": sum(p.in_kind_contribution for p in participants),
            "programs": permissions.restrict(agreement.programs.all(), user, "view"),
            "hidden_programs": agreement.programs.exclude(
                pk__in=permissions.restrict(Program.objects.all(), user, "view").values("pk")
            ).count()
            > 0,
            "parent_visible": parent_visible,
            "amends_visible": amends_visible,
            "amendments": amendments,
            "children": children,
            "transitions": transitions,
            "blocked_transitions": blocked,
            "needs_comment": [t.label for t in transitions if t.comment_required],
            "progress": progress,
            "step_number": next((i + 1 for i, (_, s) in enumerate(progress) if s == "current"), 0),
            "timeline": labelled_timeline(agreement),
            "reporting_text": reporting_text(agreement),
            "reporting_days": REPORTING_DAYS,
            "can_add_related": permissions.can_add(user, Agreement),
            "may_amend": agreement.is_active,
            "may_add_arrangement": agreement.kind == Agreement.Kind.FRAMEWORK
            and agreement.status == Agreement.Status.IN_FORCE,
            # Titles of these stand on the page: their markings count for the banner.
            "shown": [
                *amendments,
                *children,
                *([agreement.parent] if parent_visible else []),
                *([agreement.amends] if amends_visible else []),
            ],
        }


def labelled_timeline(agreement):
    """Timeline rows with the step's and the states' names in words."""
    states = dict(Agreement.Status.choices)
    steps = {t.name: t.label for t in workflow.WORKFLOW} | {"create": "Opened"}
    rows = list(workflow.timeline(agreement))
    for row in rows:
        row.step_label = steps.get(row.name, row.name)
        row.source_label = states.get(row.source, row.source)
        row.target_label = states.get(row.target, row.target)
    return rows


class AgreementEditView(generic.ObjectEditView):
    queryset = Agreement.objects.all()
    form_class = AgreementForm

    def get_initial(self, request, obj):
        """Prefill an amendment (?amends=<id>) or an arrangement (?parent=<id>)."""
        if obj.pk is not None:
            return {}
        visible = permissions.restrict(Agreement.objects.all(), request.user, "view")
        for name in ("amends", "parent"):
            value = request.GET.get(name, "")
            # Only what the picker offers: signed/in-force bases, framework parents in force.
            choices = visible.filter(pk__in=link_choices(name).values("pk"))
            base = choices.filter(pk=value).first() if value.isdigit() else None
            if base is None:
                continue
            if name == "amends":
                count = base.amendments.count() + 1
                return {
                    "amends": base.pk,
                    "parent": base.parent_id,
                    "number": f"{base.number}-A{count}",
                    "title": f"Amendment {count} to {base.title}",
                    "kind": base.kind,
                    "legal_authority": base.legal_authority_id,
                    "programs": list(base.programs.values_list("pk", flat=True)),
                    "highest_classification": base.highest_classification,
                    "responsible_official": base.responsible_official_id,
                    "classification": base.classification,
                    "cui_category": base.cui_category,
                    "dissemination": base.dissemination,
                    "rel_to": base.rel_to,
                }
            return {
                "parent": base.pk,
                "kind": Agreement.Kind.PROJECT,
                "legal_authority": base.legal_authority_id,
                "responsible_official": base.responsible_official_id,
            }
        return {}

    def after_create(self, request, obj):
        super().after_create(request, obj)
        workflow.record_creation(obj, request.user)
        base = obj.amends or obj.parent
        if base is not None and not obj.participants.exists():
            # An amendment or arrangement has the same parties; signatories are new.
            for p in base.participants.all():
                AgreementParticipant.objects.create(
                    agreement=obj, country_id=p.country_id, organization_id=p.organization_id
                )


class AgreementImportView(generic.BulkImportView):
    model = Agreement
    form_class = AgreementImportForm


class AgreementBulkEditView(generic.BulkEditView):
    queryset = Agreement.objects.all()
    form_class = AgreementBulkEditForm


class ParticipantsView(generic.ChildFormsetView):
    parent_queryset = Agreement.objects.all()
    formset_class = ParticipantFormSet
    title = "Participants"


class SignatoriesView(generic.ChildFormsetView):
    parent_queryset = Agreement.objects.all()
    formset_class = SignatoryFormSet
    title = "Signatories"


class TransitionView(generic.TransitionView):
    """One lifecycle step, from the buttons of the agreement's Lifecycle section."""

    queryset = Agreement.objects.all()
    workflow = workflow.WORKFLOW
    anchor = "lifecycle"


# Coordination (staffing of a request): the worklist, an office's answer, an overrule.
def may_answer(user, agreement, row):
    """The office's people, or the agreement's team on the office's behalf, while the
    coordination is current."""
    if not row.current:
        return False
    return row.is_coordinator(user) or permissions.can(user, "change", agreement)


def may_overrule(user, agreement, row):
    return (
        row.current
        and row.state == Coordination.State.NON_CONCURRED
        and user.has_perm(workflow.APPROVE_PERM)
        and permissions.can(user, "view", agreement)
    )


class CoordinationListView(generic.ObjectListView):
    queryset = Coordination.objects.select_related("agreement", "office", "answered_by")
    filterset_class = CoordinationFilterSet
    table_class = CoordinationTable
    title = "Coordination"
    bulk_edit = False


class CoordinationActionView(View):
    """A page with one form on one coordination row (answer or overrule)."""

    queryset = Coordination.objects.select_related("agreement", "office")
    form_class = None
    heading = ""
    button = ""
    template_name = "agreements/coordination_form.html"

    def get_row(self, request, pk):
        row = permissions.get_object_or_404(self.queryset, request.user, "view", pk=pk)
        if not self.allowed(request.user, row):
            raise PermissionDenied(self.refusal)
        return row

    def render(self, request, row, form, status=200):
        context = {
            "object": row,
            "agreement": row.agreement,
            "form": form,
            "heading": self.heading,
            "button": self.button,
            "page_marking": row.agreement.marking,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        row = self.get_row(request, pk)
        return self.render(
            request, row, self.form_class(initial=self.initial(row), user=request.user)
        )

    def initial(self, row):
        return {}

    def post(self, request, pk):
        row = self.get_row(request, pk)
        form = self.form_class(request.POST, user=request.user)
        if not form.is_valid():
            return self.render(request, row, form, status=400)
        try:
            self.act(request.user, row, form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                name = {"overrule_reason": "reason"}.get(name, name)
                form.add_error(name if name in form.fields else None, errors)
            return self.render(request, row, form, status=400)
        messages.success(request, self.done.format(office=row.office))
        return redirect(row.agreement.get_absolute_url() + "#coordination")


class CoordinationAnswerView(CoordinationActionView):
    form_class = CoordinationAnswerForm
    heading = "Record the answer"
    button = "Record the answer"
    refusal = "Only the office's people or the agreement's team may record its answer."
    done = "The answer of {office} is recorded."

    def allowed(self, user, row):
        return may_answer(user, row.agreement, row)

    def initial(self, row):
        return {"answer": row.answer, "comment": row.comment}

    def act(self, user, row, data):
        workflow.record_answer(row, user, data["answer"], data["comment"])


class CoordinationOverruleView(CoordinationActionView):
    form_class = CoordinationOverruleForm
    heading = "Overrule the non-concurrence"
    button = "Overrule"
    refusal = "Only an approving official may overrule a non-concurrence that stands."
    done = "The non-concurrence of {office} is overruled."

    def allowed(self, user, row):
        return may_overrule(user, row.agreement, row)

    def act(self, user, row, data):
        row.overrule(user, data["reason"])
