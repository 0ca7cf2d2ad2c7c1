"""Staff's read side of a round: the ranking per panel, the board per expert, one application's sheets.

The ranking sums the submitted sheets' stored totals per application in one grouped statement (count, sum, max,
min, Σx², votes), next to one plain statement for the applications;
the trimmed mean and the standard deviation follow from those sums (scoring.aggregate_from_sums), so the
number of queries does not depend on the number of applications or sheets.
"""

from dataclasses import dataclass

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Min, Q, Sum

from certification.models import AFTER_SCORING, Application

from . import scoring
from .models import Assignment, ReviewRound, ScoreSheet

VOTES = list(ScoreSheet.Vote.values)


@dataclass
class Row:
    id: int
    number: str
    product_name: str
    enterprise: str
    field: str
    declared_level: str
    state: str
    panel: object
    sheets: int
    pending: int
    aggregate: scoring.Aggregate
    votes: dict
    majority: str
    proposal: str
    rank: int | None = None

    @property
    def score(self):
        return self.aggregate.score


def _square():
    return ExpressionWrapper(F("total") * F("total"), output_field=DecimalField(max_digits=12, decimal_places=4))


def _sheet_sums(applications):
    """{application id: the submitted sheets' count, sum, max, min, Σx², votes and the pending count}, in one
    statement grouped by application over the sheets alone (narrow rows, no join to the application's text)."""
    submitted = Q(state=ScoreSheet.State.SUBMITTED)
    aggregates = {
        "n": Count("id", filter=submitted),
        "s": Sum("total", filter=submitted),
        "mx": Max("total", filter=submitted),
        "mn": Min("total", filter=submitted),
        "sq": Sum(_square(), filter=submitted),
        "pending": Count("id", filter=Q(state=ScoreSheet.State.DRAFT, assignment__state__in=Assignment.ACTIVE)),
    }
    for vote in VOTES:
        aggregates[f"v_{vote}"] = Count("id", filter=submitted & Q(level_vote=vote))
    rows = (
        ScoreSheet.objects.filter(application__in=applications.values("pk"))
        .values("application_id").annotate(**aggregates).order_by()
    )
    return {r["application_id"]: r for r in rows}


EMPTY = {"n": 0, "s": None, "mx": None, "mn": None, "sq": None, "pending": 0, **{f"v_{v}": 0 for v in VOTES}}


def ranking(review_round, panel=None, q=""):
    """Rows of the round's applications in expert review or later, ranked within their panel (or the given
    panel only), optionally only those matching `q` (number, product or enterprise). Applications whose field has
    no panel come last under panel None. Three or four queries: the panels, the applications, the sheets' sums
    per application, and the search's matches."""
    panels = list(review_round.panels.all())
    panel_of = {f: p for p in panels for f in p.fields}
    qs = Application.objects.filter(batch_id=review_round.batch_id, state__in=AFTER_SCORING)
    if panel is not None:
        qs = qs.filter(field__in=panel.fields)
    # A search narrows the rows shown, never the rows ranked: a match keeps its rank within its panel.
    matches = None
    if q:
        matches = set(qs.filter(Q(product_name__contains=q) | Q(enterprise__name__contains=q)
                                | Q(number__contains=q)).values_list("id", flat=True))
    sums = _sheet_sums(qs)
    values = qs.order_by("number", "id").values_list(
        "id", "number", "product_name", "enterprise__name", "field", "declared_level", "state", "proposal__outcome",
    )
    trimmed = review_round.aggregation == ReviewRound.Aggregation.TRIMMED
    threshold = review_round.dispersion_threshold
    rows = []
    for pk, number, product, enterprise, field, declared, state, outcome in values:
        v = sums.get(pk, EMPTY)
        agg = scoring.aggregate_from_sums(count=v["n"], total=v["s"], maximum=v["mx"], minimum=v["mn"],
                                          sum_squares=v["sq"], trimmed_setting=trimmed, threshold=threshold)
        votes = {vote: v[f"v_{vote}"] for vote in VOTES}
        rows.append(Row(
            id=pk, number=number, product_name=product, enterprise=enterprise, field=field,
            declared_level=declared, state=state, panel=panel_of.get(field), sheets=v["n"], pending=v["pending"],
            aggregate=agg, votes=votes, majority=scoring.majority(votes), proposal=outcome or "",
        ))
    order = {p.pk: i for i, p in enumerate(panels)}
    groups = {}
    for row in rows:
        groups.setdefault(row.panel.pk if row.panel else None, []).append(row)
    ranked = []
    for key in sorted(groups, key=lambda k: (k is None, order.get(k, 0))):
        for position, row in scoring.rank(groups[key], key=lambda r: r.score):
            row.rank = position
            if matches is None or row.id in matches:
                ranked.append(row)
    return ranked


def application_result(review_round, application_id):
    """One application's row, ranked within its panel."""
    app = Application.objects.only("field").get(pk=application_id)
    panel = next((p for p in review_round.panels.all() if app.field in p.fields), None)
    rows = ranking(review_round, panel) if panel else ranking(review_round)
    return next((r for r in rows if r.id == application_id), None)


def sheets_of(application_id):
    """Every sheet of an application with its expert (staff only)."""
    return list(
        ScoreSheet.objects.filter(application_id=application_id)
        .select_related("assignment__expert__expert_profile__employer")
        .order_by("assignment__state", "assignment_id")
    )


def board(review_round):
    """Progress per expert in the round: assigned (active), declared, submitted, recused."""
    return list(
        Assignment.objects.filter(round=review_round)
        .values("expert_id", "expert__display_name", "expert__username")
        .annotate(
            active=Count("id", filter=Q(state__in=Assignment.ACTIVE)),
            pending=Count("id", filter=Q(state=Assignment.State.PENDING)),
            accepted=Count("id", filter=Q(state=Assignment.State.ACCEPTED)),
            submitted=Count("id", filter=Q(state=Assignment.State.ACCEPTED,
                                           sheet__state=ScoreSheet.State.SUBMITTED)),
            recused=Count("id", filter=Q(state=Assignment.State.RECUSED)),
            removed=Count("id", filter=Q(state=Assignment.State.REMOVED)),
        )
        .order_by("expert__display_name", "expert_id")
    )


def progress(review_round):
    """Round totals: active assignments, submitted sheets, recusals awaiting replacement."""
    counts = Assignment.objects.filter(round=review_round).aggregate(
        active=Count("id", filter=Q(state__in=Assignment.ACTIVE)),
        submitted=Count("id", filter=Q(state=Assignment.State.ACCEPTED, sheet__state=ScoreSheet.State.SUBMITTED)),
        recused=Count("id", filter=Q(state=Assignment.State.RECUSED)),
    )
    return counts
