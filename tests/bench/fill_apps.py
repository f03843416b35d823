"""Benchmark fillers for agreements, TSFD requests and fora (bulk inserts)."""

from datetime import date, timedelta

from core import roles
from core.models import Country
from tests.bench.fill import ALLIES, WORDS, _bulk, _index, grant_teams


def fill_agreements(n, rng, by_role, programs):
    try:
        from agreements.models import Agreement, AgreementParticipant
    except ImportError:
        return 0
    statuses = [
        s for s, _ in Agreement.Status.choices if s not in ("not_applicable", "due", "sent", "late")
    ]
    kinds = [k for k, _ in Agreement.Kind.choices]
    officials = by_role[roles.PROGRAM_MANAGER]
    countries = list(Country.objects.filter(iso3__in=ALLIES))
    usa = Country.objects.get(iso3="USA")
    rows = []
    for i in range(n["agreements"]):
        signed = date(2018, 1, 1) + timedelta(days=rng.randrange(0, 3000))
        rows.append(
            Agreement(
                number=f"BA-{i:05d}",
                title=f"{rng.choice(WORDS).capitalize()} agreement {i}",
                kind=rng.choice(kinds),
                status=rng.choice(statuses),
                responsible_official=rng.choice(officials),
                signed_on=signed,
                expiration_date=signed + timedelta(days=rng.randrange(365, 3650)),
            )
        )
    _bulk(Agreement, rows)
    agreements = list(Agreement.objects.filter(number__startswith="BA-").order_by("number"))
    links = Agreement.programs.through
    _bulk(links, [links(agreement_id=a.pk, program_id=rng.choice(programs).pk) for a in agreements])
    _bulk(
        AgreementParticipant,
        [
            AgreementParticipant(agreement=a, country=c)
            for a in agreements
            for c in (usa, rng.choice(countries))
        ],
    )
    _index(
        Agreement, agreements, lambda a: (str(a), f"{a.number}\n{a.title}", a.get_absolute_url())
    )
    grants = grant_teams(Agreement, agreements, by_role[roles.PROGRAM_MANAGER], 50, rng)
    return grants + grant_teams(
        Agreement, agreements, by_role[roles.IC_STAFF], n["staff_agreements"], rng, role="viewer"
    )


def fill_tsfd(n, rng, by_role, programs):
    try:
        from tsfd.models import DisclosureRequest, Review, ReviewArea
    except ImportError:
        return 0
    from django.utils import timezone

    areas = list(ReviewArea.objects.all())
    requesters = by_role[roles.TSFD_REQUESTER] + by_role[roles.PROGRAM_MANAGER]
    reviewers = by_role[roles.TSFD_REVIEWER]
    countries = list(Country.objects.filter(iso3__in=ALLIES))
    now = timezone.now()
    rows = []
    for i in range(n["tsfd"]):
        rows.append(
            DisclosureRequest(
                number=f"BT-{i:05d}",
                title=f"Disclosure of {rng.choice(WORDS)} data {i}",
                program=rng.choice(programs),
                recipient_country=rng.choice(countries),
                technology="Benchmark technology description.",
                purpose="Benchmark purpose.",
                highest_classification="CUI",
                requested_by=rng.choice(requesters),
                status=rng.choice(["in_review", "in_review", "decision_pending", "submitted"]),
                submitted_at=now - timedelta(days=rng.randrange(1, 200)),
                needed_by=date(2026, 1, 1) + timedelta(days=rng.randrange(0, 700)),
            )
        )
    _bulk(DisclosureRequest, rows)
    requests = list(DisclosureRequest.objects.filter(number__startswith="BT-"))
    reviews = []
    per_reviewer = n["reviewer_cases"]
    for reviewer in reviewers:
        for request in rng.sample(requests, min(per_reviewer, len(requests))):
            if request.requested_by_id == reviewer.pk:
                continue
            reviews.append(
                Review(
                    request=request,
                    area=rng.choice(areas),
                    reviewer=reviewer,
                    assigned_at=request.submitted_at,
                )
            )
    # One review per (request, area): keep the first of any duplicates.
    seen, unique = set(), []
    for review in reviews:
        key = (review.request_id, review.area_id)
        if key not in seen:
            seen.add(key)
            unique.append(review)
    _bulk(Review, unique)
    _index(
        DisclosureRequest,
        requests,
        lambda r: (str(r), f"{r.number}\n{r.title}", r.get_absolute_url()),
    )
    return 0


def fill_fora(n, rng, by_role, programs):
    try:
        from fora.models import ActionItem, Forum, Meeting
    except ImportError:
        return 0
    countries = list(Country.objects.filter(iso3__in=ALLIES))
    fora = [
        Forum(name=f"Benchmark forum {i}", kind="bilateral" if i % 3 else "multilateral")
        for i in range(max(1, n["meetings"] // 20))
    ]
    _bulk(Forum, fora)
    fora = list(Forum.objects.filter(name__startswith="Benchmark forum"))
    through = Forum.countries.through
    _bulk(through, [through(forum_id=f.pk, country_id=rng.choice(countries).pk) for f in fora])
    meetings = []
    for i in range(n["meetings"]):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 1100))
        meetings.append(
            Meeting(
                forum=rng.choice(fora),
                title=f"Session {i}",
                start_date=start,
                end_date=start + timedelta(days=2),
                status="held" if start < date(2026, 11, 1) else "planned",
            )
        )
    _bulk(Meeting, meetings)
    meetings = list(Meeting.objects.filter(title__startswith="Session "))
    owners = by_role[roles.PROGRAM_MANAGER] + by_role[roles.IC_STAFF]
    _bulk(
        ActionItem,
        [
            ActionItem(
                meeting=rng.choice(meetings),
                description=f"Action {i}",
                owner_user=rng.choice(owners),
                due_date=date(2025, 6, 1) + timedelta(days=rng.randrange(0, 700)),
                status=rng.choice(["open", "open", "in_progress", "done"]),
            )
            for i in range(n["action_items"])
        ],
    )
    _index(Forum, fora, lambda f: (str(f), f.name, f.get_absolute_url()))
    return grant_teams(Forum, fora, by_role[roles.IC_STAFF], 20, rng)


FILLERS = [fill_agreements, fill_tsfd, fill_fora]
