"""The arithmetic of expert review, kept pure so that it can be checked by hand (docs/decisions.md D18).

- A sheet's weighted total is on a 100-point scale: 100 × Σ wᵢ·(sᵢ / maxᵢ) / Σ wᵢ, rounded half-up to 0.01.
- An application's score is the mean of its submitted sheets' totals; with the trimmed setting and at least
  5 sheets, one highest and one lowest total are dropped first (only one of each, even when tied).
- Dispersion is the population standard deviation of the totals; above the round's threshold it is flagged.
- The majority vote is the level recommended by the most sheets; a tie between the most voted levels has none.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TRIM_MIN_SHEETS = 5


def q2(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def sheet_total(scores, criteria):
    """scores: {criterion id: Decimal}; criteria: objects with id, max_points and weight."""
    weights = sum(Decimal(c.weight) for c in criteria)
    achieved = sum(Decimal(c.weight) * Decimal(scores[c.id]) / Decimal(c.max_points) for c in criteria)
    return q2(Decimal(100) * achieved / weights)


@dataclass(frozen=True)
class Aggregate:
    count: int
    score: Decimal | None
    stdev: Decimal | None
    dispersed: bool
    trimmed: bool


def aggregate_from_sums(*, count, total, maximum, minimum, sum_squares, trimmed_setting, threshold):
    """The application's score from SQL aggregates of its submitted totals (count, sum, max, min, Σx²)."""
    if not count:
        return Aggregate(0, None, None, False, False)
    total, sum_squares = Decimal(total), Decimal(sum_squares)
    trimmed = trimmed_setting and count >= TRIM_MIN_SHEETS
    if trimmed:
        score = (total - Decimal(maximum) - Decimal(minimum)) / (count - 2)
    else:
        score = total / count
    mean = total / count
    variance = max(sum_squares / count - mean * mean, Decimal(0))
    stdev = q2(Decimal(math.sqrt(variance)))
    return Aggregate(count, q2(score), stdev, stdev > Decimal(threshold), trimmed)


def aggregate(totals, *, trimmed_setting, threshold):
    """The same from a list of totals (used by tests and by single-application pages)."""
    totals = [Decimal(t) for t in totals]
    return aggregate_from_sums(
        count=len(totals), total=sum(totals, Decimal(0)), maximum=max(totals, default=0),
        minimum=min(totals, default=0), sum_squares=sum((t * t for t in totals), Decimal(0)),
        trimmed_setting=trimmed_setting, threshold=threshold,
    )


def majority(votes):
    """votes: {level: count}. The level with strictly the most votes, or "" when none or tied."""
    counted = [(n, level) for level, n in votes.items() if n]
    if not counted:
        return ""
    counted.sort(reverse=True)
    if len(counted) > 1 and counted[0][0] == counted[1][0]:
        return ""
    return counted[0][1]


def rank(rows, key):
    """Competition ranking (1, 2, 2, 4) by descending key; rows without a score come last, unranked.
    Returns the rows sorted, each paired with its rank (None when unscored)."""
    scored = sorted((r for r in rows if key(r) is not None), key=lambda r: -key(r))
    ranked, previous, position = [], None, 0
    for i, row in enumerate(scored, start=1):
        if key(row) != previous:
            position, previous = i, key(row)
        ranked.append((position, row))
    ranked.extend((None, r) for r in rows if key(r) is None)
    return ranked
