"""Asking for a brief: one form for the four kinds, shared by the pages and the API."""

from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import QueryDict

from briefs.content.base import max_programs
from briefs.models import Packet, Subscription
from core.forms import CHOOSE_SEVERAL, PortalFormMixin
from core.models import Country, SavedView
from core.permissions import restrict
from fora.models import Forum
from programs.filters import ProgramFilterSet
from programs.models import Participant, Program


def max_active():
    return getattr(settings, "BRIEFS_MAX_ACTIVE_PER_USER", 5)


class PacketRequestForm(PortalFormMixin, forms.Form):
    """What to brief: programs, a country, a forum, or a leadership selection of programs.

    Every choice is limited to what the user may see (PortalFormMixin), so an invisible
    record is just “not one of the available choices”.
    """

    kind = forms.ChoiceField(choices=Packet.Kind.choices)
    programs = forms.ModelMultipleChoiceField(
        queryset=Program.objects.all(),
        required=False,
        help_text=f"One page per program. {CHOOSE_SEVERAL}",
    )
    country = forms.ModelChoiceField(
        queryset=Country.objects.all(), to_field_name="iso3", required=False
    )
    forum = forms.ModelChoiceField(queryset=Forum.objects.all(), required=False)
    view = forms.ModelChoiceField(
        queryset=SavedView.objects.none(),
        required=False,
        label="Saved view of programs",
        help_text="The packet covers the programs this view shows.",
    )
    # The programs list's own filters, as a form; they become the packet's `query`.
    phase = forms.MultipleChoiceField(
        choices=Program.Phase.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    health = forms.MultipleChoiceField(
        choices=Program.Health.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    program_kind = forms.MultipleChoiceField(
        label="Kind",
        choices=Program.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    partner_country = forms.ModelMultipleChoiceField(
        label="Partner country",
        queryset=Country.objects.all(),
        to_field_name="iso3",
        required=False,
        help_text=CHOOSE_SEVERAL,
    )
    query = forms.CharField(
        required=False,
        max_length=2000,
        label="Or a programs filter",
        help_text="The filter of a programs list: the part of its address after “?”, "
        "e.g. phase=development&health=red. Leave everything empty for every program "
        "you may see.",
    )

    since = forms.DateField(
        required=False,
        label="Changes since",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="“What changed” covers the time since this date; empty: since your last "
        "leadership packet, or the last 7 days.",
    )

    without_annex = forms.BooleanField(
        required=False,
        label="Leave out the program sheets (annex)",
        help_text="The read-ahead, the quad charts of programs needing attention and the "
        "lists stay; the page per program is left out.",
    )

    # form field -> the programs filter's parameter
    FILTERS = {
        "phase": "phase",
        "health": "health",
        "program_kind": "kind",
        "partner_country": "country",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        self.fields["view"].queryset = (
            SavedView.objects.filter(list_key="programs.program")
            .filter(Q(owner=user) | Q(shared_with__in=user.groups.all()))
            .distinct()
        )
        # The countries that partner in a program the user may see, not all 249.
        self.fields["partner_country"].queryset = Country.objects.filter(
            pk__in=Participant.objects.filter(
                program__in=restrict(Program.objects.all(), user, "view")
            ).values("country")
        )

    def clean_query(self):
        query = self.cleaned_data["query"].strip().lstrip("?")
        if query:
            filterset = ProgramFilterSet(
                QueryDict(query), queryset=Program.objects.none(), user=self.user
            )
            if not filterset.is_valid():
                problems = "; ".join(
                    f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()
                )
                raise forms.ValidationError(f"This filter is not valid ({problems}).")
        return query

    limits_active = True  # a request counts against the user's briefs in progress

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        active = Packet.objects.filter(requested_by=self.user, status__in=Packet.ACTIVE).count()
        if self.limits_active and active >= max_active():
            raise forms.ValidationError(
                f"You already have {active} briefs in progress. Wait for one to finish, or "
                "cancel one, before asking for another."
            )
        if kind == Packet.Kind.PROGRAM:
            programs = list(data.get("programs") or [])
            if not programs:
                self.add_error("programs", "Choose at least one program.")
            elif len(programs) > max_programs():
                self.add_error("programs", f"Choose at most {max_programs()} programs.")
        elif kind == Packet.Kind.COUNTRY and not data.get("country"):
            self.add_error("country", "Choose a country.")
        elif kind == Packet.Kind.FORUM and not data.get("forum"):
            self.add_error("forum", "Choose a forum.")
        elif kind == Packet.Kind.LEADERSHIP:
            chosen = self.chosen_filters()
            if chosen and data.get("query"):
                self.add_error("query", "Choose filters above or type a filter, not both.")
            elif chosen:
                data["query"] = chosen
            if data.get("view") and data.get("query"):
                self.add_error("view", "Choose a saved view or filters, not both.")
        return data

    def chosen_filters(self):
        """The filters chosen on the form as a programs-list query string ("" if none)."""
        query = QueryDict(mutable=True)
        for field, parameter in self.FILTERS.items():
            for value in self.cleaned_data.get(field) or []:
                query.appendlist(parameter, getattr(value, "iso3", value))
        return query.urlencode()

    def describe(self):
        """(title, parameters) of the packet this valid form asks for."""
        data = self.cleaned_data
        kind = data["kind"]
        if kind == Packet.Kind.PROGRAM:
            programs = sorted(data["programs"], key=lambda p: p.code)
            title = (
                f"Program brief: {programs[0]}"
                if len(programs) == 1
                else f"Program briefs: {len(programs)} programs"
            )
            return title, {"programs": [p.pk for p in programs]}
        if kind == Packet.Kind.COUNTRY:
            return f"Country brief: {data['country'].name}", {"country": data["country"].iso3}
        if kind == Packet.Kind.FORUM:
            forum = data["forum"]
            return f"Read-ahead: {forum.short_name}", {"forum": forum.pk}
        since = {"since": data["since"].isoformat()} if data.get("since") else {}
        if data.get("without_annex"):
            since["annex"] = False
        if data.get("view"):
            return f"Leadership packet: {data['view'].name}", {"view": data["view"].pk, **since}
        if data.get("query"):
            return "Leadership packet: filtered programs", {"query": data["query"], **since}
        return "Leadership packet: all programs", since


class SubscriptionForm(PacketRequestForm):
    """A weekly leadership packet: the same selection as a request, and a weekday."""

    weekday = forms.TypedChoiceField(
        choices=Subscription.Weekday.choices,
        coerce=int,
        initial=Subscription.Weekday.MONDAY,
        help_text="The packet is made early that morning (06:00 UTC); you are notified "
        "when it is ready.",
    )
    limits_active = False  # made by the portal on its day, not counted as yours

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("kind", "programs", "country", "forum", "since"):
            del self.fields[name]

    def clean(self):
        self.cleaned_data["kind"] = Packet.Kind.LEADERSHIP
        return super().clean()

    @classmethod
    def initial_of(cls, subscription):
        """The form's fields for a saved subscription: its filter back in the check boxes
        when the form's filters can say it, else as the typed filter."""
        parameters = subscription.parameters
        initial = {
            "weekday": subscription.weekday,
            "without_annex": parameters.get("annex", True) is False,
        }
        if "view" in parameters:
            return initial | {"view": parameters["view"]}
        query = QueryDict(parameters.get("query", ""))
        fields = {parameter: field for field, parameter in cls.FILTERS.items()}
        if set(query) <= set(fields):
            return initial | {fields[name]: query.getlist(name) for name in query}
        return initial | {"query": parameters["query"]}
