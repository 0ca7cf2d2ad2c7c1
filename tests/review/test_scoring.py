"""The arithmetic of expert review against examples computed by hand (issue 4: weights, trimmed mean with 5
and with 4 sheets, ties), then the same numbers through results.ranking on a small stored round."""

from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from review import scoring


def crit(cid, max_points, weight=1):
    return SimpleNamespace(id=cid, max_points=D(str(max_points)), weight=D(str(weight)))


# --- sheet_total --------------------------------------------------------------------------------------------

RUBRIC = [crit(1, 30), crit(2, 20, weight=2), crit(3, 50)]  # weights 1, 2, 1 (Σ 4); maxima 30, 20, 50


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ((30, 20, 50), "100.00"),
        ((0, 0, 0), "0.00"),
        ((24, 16, 40), "80.00"),  # 80 % of every criterion
        # 100 × (25/30 + 2·15/20 + 40/50) / 4 = 100 × (0.8333… + 1.5 + 0.8) / 4 = 78.333…
        ((25, 15, 40), "78.33"),
        # The weight counts: the same 10-point drop costs more on the weight-2 criterion.
        # 100 × (30/30 + 2·10/20 + 50/50) / 4 = 75; 100 × (20/30 + 2·20/20 + 50/50) / 4 = 91.666… → 91.67
        ((30, 10, 50), "75.00"),
        ((20, 20, 50), "91.67"),
    ],
)
def test_sheet_total_weights_and_maxima(points, expected):
    scores = {c.id: D(str(p)) for c, p in zip(RUBRIC, points, strict=True)}
    assert scoring.sheet_total(scores, RUBRIC) == D(expected)


@pytest.mark.parametrize(
    ("rubric", "points", "expected"),
    [
        # 100 × 0.1 / 80 = 0.125 → 0.13 half-up (banker's rounding would give 0.12).
        ([crit(1, 80)], (D("0.1"),), "0.13"),
        # 100 × 0.1 / 16 = 0.625 → 0.63 (half-even: 0.62).
        ([crit(1, 16)], (D("0.1"),), "0.63"),
        # 100 × (1.1/8 + 0/2) / 2 = 6.875 → 6.88
        ([crit(1, 8), crit(2, 2)], (D("1.1"), D("0")), "6.88"),
        # 100 × (1.5 · 0.1/40 + 0.5 · 0) / 2 = 0.1875 → 0.19; weights are decimals
        ([crit(1, 40, "1.5"), crit(2, 10, "0.5")], (D("0.1"), D("0")), "0.19"),
        # 100 × (0.5/8) = 6.25 exactly: nothing to round
        ([crit(1, 8)], (D("0.5"),), "6.25"),
    ],
)
def test_sheet_total_rounds_half_up_to_cents(rubric, points, expected):
    scores = {c.id: p for c, p in zip(rubric, points, strict=True)}
    assert scoring.sheet_total(scores, rubric) == D(expected)


def test_q2_half_up():
    assert [scoring.q2(D(x)) for x in ("80.005", "80.015", "0.125", "2.675", "-1.005")] == [
        D("80.01"), D("80.02"), D("0.13"), D("2.68"), D("-1.01")]


# --- aggregate ----------------------------------------------------------------------------------------------


def agg(totals, *, trimmed=True, threshold=10):
    return scoring.aggregate([D(str(t)) for t in totals], trimmed_setting=trimmed, threshold=D(str(threshold)))


def test_trimmed_mean_with_five_sheets():
    # Drop 90 (highest) and 50.5 (lowest): (80 + 70 + 60) / 3 = 70.00 (the plain mean would be 70.10).
    a = agg([90, 80, 70, 60, "50.5"])
    assert (a.count, a.score, a.trimmed) == (5, D("70.00"), True)
    # Population stdev over all five: mean 70.1, Σ(x−m)² = 396.01 + 98.01 + 0.01 + 102.01 + 384.16 = 980.2,
    # / 5 = 196.04, √ = 14.0014… → 14.00 ≥ 10: flagged.
    assert a.stdev == D("14.00") and a.dispersed is True


def test_trimmed_setting_with_four_sheets_is_the_plain_mean():
    # (90 + 80 + 70 + 61) / 4 = 75.25; nothing dropped.
    a = agg([90, 80, 70, 61])
    assert (a.count, a.score, a.trimmed) == (4, D("75.25"), False)


def test_trimmed_mean_with_six_sheets():
    # Drop 95 and 40: (85 + 80 + 75 + 70) / 4 = 77.50.
    assert agg([95, 85, 80, 75, 70, 40]).score == D("77.50")


def test_tied_highest_and_lowest_drop_only_one_each():
    # Two 90s and two 60s: one of each goes: (90 + 70 + 60) / 3 = 73.333… → 73.33.
    # (Dropping every tied extreme would give 70.00.)
    a = agg([90, 90, 70, 60, 60])
    assert a.score == D("73.33") and a.trimmed


def test_all_equal_five_sheets():
    a = agg([80, 80, 80, 80, 80])
    assert (a.score, a.stdev, a.dispersed, a.trimmed) == (D("80.00"), D("0.00"), False, True)


def test_mean_setting_never_trims():
    # The same five totals as the trimmed example: (90 + 80 + 70 + 60 + 50.5) / 5 = 70.10.
    a = agg([90, 80, 70, 60, "50.5"], trimmed=False)
    assert (a.score, a.trimmed) == (D("70.10"), False)


def test_aggregate_rounds_half_up():
    # (80.01 + 80.00 + 80.00 + 80.01) / 4 = 80.005 → 80.01 (half-even would give 80.00).
    assert agg(["80.01", "80.00", "80.00", "80.01"]).score == D("80.01")


def test_no_sheets():
    a = agg([])
    assert (a.count, a.score, a.stdev, a.dispersed, a.trimmed) == (0, None, None, False, False)


@pytest.mark.parametrize(
    ("totals", "threshold", "stdev", "dispersed"),
    [
        ([60, 80], 10, "10.00", False),  # mean 70, stdev exactly 10: at the threshold, not above it (超过)
        (["60", "80.02"], 10, "10.01", True),  # mean 70.01, stdev 10.01: above
        ([60, 80], "9.99", "10.00", True),
        ([70, 70, 70], 0, "0.00", False),
        ([100, 80, 50, 90, 70], 10, "17.20", True),  # mean 78, Σ(x−m)² = 1480, /5 = 296, √ = 17.2046…
        ([75], 10, "0.00", False),
    ],
)
def test_stdev_and_dispersion_flag(totals, threshold, stdev, dispersed):
    a = agg(totals, threshold=threshold)
    assert (a.stdev, a.dispersed) == (D(stdev), dispersed)


def test_aggregate_from_sums_matches_the_list_form():
    totals = [D("78.33"), D("90.00"), D("70.00"), D("100.00"), D("61.25")]
    from_sums = scoring.aggregate_from_sums(
        count=5, total=sum(totals), maximum=max(totals), minimum=min(totals), sum_squares=sum(t * t for t in totals),
        trimmed_setting=True, threshold=D(10))
    assert from_sums == agg(totals)
    # (78.33 + 90 + 70) / 3 = 79.443… → 79.44
    assert from_sums.score == D("79.44")


# --- majority -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        ({"international": 1, "domestic": 3, "provincial": 1, "none": 0}, "domestic"),
        ({"international": 0, "domestic": 2, "provincial": 2, "none": 1}, ""),  # tie at the top: no majority
        ({"international": 2, "domestic": 2, "provincial": 0, "none": 0}, ""),
        ({"international": 0, "domestic": 1, "provincial": 1, "none": 3}, "none"),  # "not recommended" wins
        ({"international": 0, "domestic": 0, "provincial": 0, "none": 0}, ""),  # no votes
        ({}, ""),
        ({"provincial": 1}, "provincial"),
        ({"international": 3, "domestic": 1, "provincial": 1, "none": 1}, "international"),  # lower ties irrelevant
    ],
)
def test_majority(votes, expected):
    assert scoring.majority(votes) == expected


# --- rank ---------------------------------------------------------------------------------------------------


def test_competition_ranking_with_ties_and_unscored_last():
    rows = [("a", D("70")), ("b", None), ("c", D("90")), ("d", D("85")), ("e", D("85")), ("f", None)]
    ranked = scoring.rank(rows, key=lambda r: r[1])
    assert [(pos, r[0]) for pos, r in ranked] == [(1, "c"), (2, "d"), (2, "e"), (4, "a"), (None, "b"), (None, "f")]


def test_ranking_tie_at_the_top():
    ranked = scoring.rank([("x", D(80)), ("y", D(75)), ("z", D(80))], key=lambda r: r[1])
    assert [(pos, r[0]) for pos, r in ranked] == [(1, "x"), (1, "z"), (3, "y")]


def test_ranking_nothing_scored():
    assert [pos for pos, _r in scoring.rank([("a", None), ("b", None)], key=lambda r: r[1])] == [None, None]


# --- the same numbers through results.ranking on stored rows -----------------------------------------------

# Points per sheet on the rubric A/30 (w 1), B/20 (w 2), C/50 (w 1) and the total they make by hand.
P = {
    100: (30, 20, 50),
    90: (27, 18, 45),
    80: (24, 16, 40),
    70: (21, 14, 35),
    50: (15, 10, 25),
    "78.33": (25, 15, 40),
}


@pytest.mark.django_db
def test_ranking_of_a_small_round_matches_the_hand_computation(world, django_assert_max_num_queries):
    from review import results
    from review.models import Assignment, ReviewRound
    from review.services import assignments, rounds

    from .builders import closed_batch, experts, passed_application, review_round, score_all

    batch = closed_batch(world.province_user)
    a1, a2, a3, a4, a5 = (passed_application(batch, world.ent_hz, field="robotics") for _ in range(5))
    m1 = passed_application(batch, world.ent_hz, field="medical")
    experts(6, fields=("robotics",))
    experts(4, fields=("medical",))  # + the world's expert (medical, employed by ent_nb): 5
    rr = review_round(world.province_user, batch, experts_per_application=5)
    assert rr.aggregation == "trimmed" and rr.dispersion_threshold == 10
    rounds.set_criteria(actor=world.province_user, review_round=rr, rows=[
        {"name": "A", "max_points": "30", "weight": "1"},
        {"name": "B", "max_points": "20", "weight": "2"},
        {"name": "C", "max_points": "50", "weight": "1"},
    ])
    out = assignments.auto_assign(actor=world.province_user, review_round=rr)
    assert out["shortages"] == []
    rr = rounds.start_round(actor=world.province_user, review_round=rr)

    def score(app, plan):
        mine = list(Assignment.objects.filter(application=app).select_related("round", "expert", "sheet"))
        assert len(mine) == 5
        for assignment, (total, vote) in zip(mine, plan, strict=False):
            score_all(assignment, points=[D(p) for p in P[total]], vote=vote)

    # a1: 100, 80, 50, 90, 70 → trimmed (80 + 90 + 70) / 3 = 80.00; stdev 17.20 > 10; domestic 3 : provincial 2
    score(a1, [(100, "domestic"), (80, "domestic"), (50, "provincial"), (90, "domestic"), (70, "provincial")])
    # a2: four of five submitted: 78.33, 90, 70, 100 → plain mean 338.33 / 4 = 84.5825 → 84.58; one pending
    score(a2, [("78.33", "international"), (90, "international"), (70, "domestic"), (100, "international")])
    # a3: five times 80 → 80.00, ties a1; votes international 2, domestic 2, none 1 → no majority
    score(a3, [(80, "international"), (80, "domestic"), (80, "international"), (80, "domestic"), (80, "none")])
    # a4: five times 50 → 50.00
    score(a4, [(50, "none")] * 5)
    # a5: nothing submitted → unranked, last
    # m1 (its own panel): 100, 90, 90, 70, 50 → (90 + 90 + 70) / 3 = 83.33; mean 80, Σ(x−m)² = 1600, /5 = 320,
    # stdev √320 = 17.888… → 17.89; none 3 : domestic 2 → "none"
    score(m1, [(100, "none"), (90, "domestic"), (90, "none"), (70, "domestic"), (50, "none")])

    rr = ReviewRound.objects.get(pk=rr.pk)
    with django_assert_max_num_queries(3):
        rows = results.ranking(rr)
    got = [(r.id, r.panel.fields, r.rank, r.score, r.sheets, r.pending, r.aggregate.trimmed, r.aggregate.stdev,
            r.aggregate.dispersed, r.majority) for r in rows]
    assert got == [
        # Panels in their configured order (the field order: medical before robotics), each ranked on its own.
        (m1.pk, ["medical"], 1, D("83.33"), 5, 0, True, D("17.89"), True, "none"),
        (a2.pk, ["robotics"], 1, D("84.58"), 4, 1, False, D("11.39"), True, "international"),
        (a1.pk, ["robotics"], 2, D("80.00"), 5, 0, True, D("17.20"), True, "domestic"),
        (a3.pk, ["robotics"], 2, D("80.00"), 5, 0, True, D("0.00"), False, ""),
        (a4.pk, ["robotics"], 4, D("50.00"), 5, 0, True, D("0.00"), False, "none"),
        (a5.pk, ["robotics"], None, None, 0, 5, False, None, False, ""),
    ]
    assert [p.fields for p in rr.panels.all()] == [["medical"], ["robotics"]]
    assert rows[1].votes == {"international": 3, "domestic": 1, "provincial": 0, "none": 0}
    # The totals stored on the sheets are the hand-computed ones.
    from review.models import ScoreSheet

    assert sorted(ScoreSheet.objects.filter(application=a2, state="submitted").values_list("total", flat=True)) == [
        D("70.00"), D("78.33"), D("90.00"), D("100.00")]
    # The mean setting changes a1 (and m1) to the plain mean: (100 + 80 + 50 + 90 + 70) / 5 = 78.00.
    ReviewRound.objects.filter(pk=rr.pk).update(aggregation="mean")
    by_id = {r.id: r for r in results.ranking(ReviewRound.objects.get(pk=rr.pk))}
    assert (by_id[a1.pk].score, by_id[m1.pk].score, by_id[a3.pk].score) == (D("78.00"), D("80.00"), D("80.00"))
    # One application's row comes ranked within its own panel.
    assert results.application_result(rr, m1.pk).rank == 1
