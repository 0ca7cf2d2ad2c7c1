"""The eligibility checks and the amount of an insurance-compensation claim (domain.md §7), kept pure: plain
inputs in, a result out, so every figure can be checked by hand. insurance/services/computation.py loads the
inputs from the database.

Checks, each a pass or a specific reason (a claim is eligible when every check passes):

1. 认定有效 — every unit of the claim's policies was delivered on or after the recognition's valid_from and on or
   before its valid_until, and the recognition was not revoked on or before the delivery date.
2. 起保日期在规定期间内 — the start date of each policy's first year (the policy itself in year 1, the first policy of
   its renewal chain later) lies between the rule set's window_start and window_end, both included.
3. 保费已全额缴清 — each policy has premium_paid_on set, not after the claim's date (submission, else today).
4. 责任限额 — each policy's coverage_limit ≥ its equipment_value.
5. 首台（套）范围 — the recognition's insured units (all its policies, one per serial number, at its earliest contract)
   are ordered by contract date (then serial). A unit is within the rule when it is among the first `first_units`
   (3), or within the first batch: contracted no later than `first_batch_months` (3) months after the first
   contract — `component_months` (12) for a component (equipment_form "component") — and among the first
   `first_batch_max_units` (50). Every unit of the claim's policies must be within the rule.
6. 连续续保 — in cover year N a policy must be the N-th of its renewal chain (N − 1 policies before it through
   renewal_of), and each renewal must start no later than the day after the renewed policy ends (no gap).
   When an earlier claim of the same recognition for year N − 1 exists (not rejected), the renewed policy must be
   one of its policies; a policy already in another claim of the recognition (not rejected) cannot be claimed again.
7. 补偿年限 — cover_year ≤ max_years.
8. 排除情形 — with exclude_national, a policy that received national compensation is left out; with
   exclude_application_reward, a unit that received the application reward is left out. The check passes with a
   note while something is left to compensate, and fails when everything is excluded.

Amount (only for an eligible claim; otherwise 0):

- per policy: actual rate = premium / equipment_value; compensable premium = premium × min(actual rate, rate_cap)
  / actual rate; the year's ratio = the level's first-year ratio − (cover_year − 1) × yearly_step, never below 0;
  policy amount = compensable premium × the year's ratio × the share of its units not excluded (a policy prices
  its units together, so an excluded unit removes an equal share of its premium);
- the claim's amount = the sum over its policies, capped at yearly_cap, rounded half-up to 0.01 yuan at the end
  (intermediate figures keep full Decimal precision).

The working lists every step with its numbers under Chinese labels, for the claim's page.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)
LEVEL_LABELS = {"international": "国际首台（套）", "domestic": "国内首台（套）", "provincial": "省内首台（套）"}

# Stable codes of the checks, in display order, with their labels.
CHECKS = [
    ("recognition_valid", "认定有效期内交付"),
    ("window", "起保日期在规定期间内"),
    ("premium_paid", "保费已全额缴清"),
    ("coverage", "责任限额不低于设备价值"),
    ("first_units", "首台（套）范围"),
    ("continuity", "连续续保"),
    ("max_years", "补偿年限"),
    ("exclusions", "排除情形"),
]
CHECK_LABELS = dict(CHECKS)


def q2(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(day, months):
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 month → 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def pct(value):
    """A ratio as a percentage for the working: 0.02 → "2%", 0.0333… → "3.3333%"."""
    text = format((Decimal(value) * 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize(), "f")
    return f"{text}%"


def yuan(value):
    return f"{q2(value):,}元"


@dataclass(frozen=True)
class Rules:
    window_start: dt.date
    window_end: dt.date
    rate_cap: Decimal = Decimal("0.02")
    ratios: dict = field(default_factory=lambda: {"international": Decimal("0.90"), "domestic": Decimal("0.80"),
                                                  "provincial": Decimal("0.70")})
    yearly_step: Decimal = Decimal("0.10")
    yearly_cap: Decimal = Decimal("5000000")
    max_years: int = 3
    first_units: int = 3
    first_batch_months: int = 3
    first_batch_max_units: int = 50
    component_months: int = 12
    exclude_national: bool = True
    exclude_application_reward: bool = True

    @classmethod
    def of(cls, rule_set):
        """From an insurance.models.RuleSet (or anything with its attributes)."""
        return cls(
            window_start=rule_set.window_start, window_end=rule_set.window_end, rate_cap=rule_set.rate_cap,
            ratios={"international": rule_set.ratio_international, "domestic": rule_set.ratio_domestic,
                    "provincial": rule_set.ratio_provincial},
            yearly_step=rule_set.yearly_step, yearly_cap=rule_set.yearly_cap, max_years=rule_set.max_years,
            first_units=rule_set.first_units, first_batch_months=rule_set.first_batch_months,
            first_batch_max_units=rule_set.first_batch_max_units, component_months=rule_set.component_months,
            exclude_national=rule_set.exclude_national,
            exclude_application_reward=rule_set.exclude_application_reward,
        )


@dataclass(frozen=True)
class Unit:
    serial: str
    contract_date: dt.date
    delivered_on: dt.date
    application_reward: bool = False


@dataclass(frozen=True)
class PolicyFacts:
    """One policy. `chain` is its renewal chain before it, nearest first: [(number, starts_on, ends_on), …]."""

    id: int
    number: str
    premium: Decimal
    equipment_value: Decimal
    coverage_limit: Decimal
    starts_on: dt.date
    ends_on: dt.date
    premium_paid_on: dt.date | None
    national_compensation: bool = False
    units: tuple = ()
    chain: tuple = ()
    renewal_of_id: int | None = None


@dataclass(frozen=True)
class RecognitionFacts:
    level: str
    equipment_form: str
    valid_from: dt.date
    valid_until: dt.date
    revoked: bool = False
    revoked_on: dt.date | None = None


@dataclass(frozen=True)
class EarlierClaim:
    number: str
    cover_year: int
    policy_ids: frozenset


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    reason: str = ""  # why it failed; for a passed check, an optional note (the exclusions left out)

    @property
    def label(self):
        return CHECK_LABELS[self.code]


@dataclass(frozen=True)
class Result:
    eligible: bool
    amount: Decimal
    checks: tuple
    working: tuple  # ((label, text), …)

    @property
    def reasons(self):
        return [c.reason for c in self.checks if not c.passed]

    def as_json(self):
        return {
            "eligible": self.eligible, "amount": str(self.amount),
            "checks": [{"code": c.code, "label": c.label, "passed": c.passed, "reason": c.reason}
                       for c in self.checks],
            "steps": [{"label": label, "value": value} for label, value in self.working],
        }


def year_ratio(rules, level, cover_year):
    return max(Decimal(rules.ratios[level]) - (cover_year - 1) * Decimal(rules.yearly_step), ZERO)


def _check_recognition(recognition, policies):
    problems = []
    for p in policies:
        for u in p.units:
            if u.delivered_on < recognition.valid_from:
                problems.append(f"设备{u.serial}交付日期{u.delivered_on}早于认定有效期起始日{recognition.valid_from}")
            elif u.delivered_on > recognition.valid_until:
                problems.append(f"设备{u.serial}交付日期{u.delivered_on}晚于认定有效期截止日{recognition.valid_until}")
            elif recognition.revoked and (recognition.revoked_on is None or recognition.revoked_on <= u.delivered_on):
                when = f"于{recognition.revoked_on}" if recognition.revoked_on else ""
                problems.append(f"认定已{when}撤销，设备{u.serial}于{u.delivered_on}交付")
    return Check("recognition_valid", not problems, "；".join(problems) + ("。" if problems else ""))


def _first_start(policy):
    return policy.chain[-1][1] if policy.chain else policy.starts_on


def _check_window(rules, policies):
    problems = []
    for p in policies:
        start = _first_start(p)
        if not rules.window_start <= start <= rules.window_end:
            which = "" if not p.chain else f"（首年保单{p.chain[-1][0]}）"
            problems.append(f"保单{p.number}{which}起保日期{start}不在{rules.window_start}至{rules.window_end}期间内")
    return Check("window", not problems, "；".join(problems) + ("。" if problems else ""))


def _check_premium(policies, as_of):
    problems = []
    for p in policies:
        if p.premium_paid_on is None:
            problems.append(f"保单{p.number}保费尚未全额缴清")
        elif p.premium_paid_on > as_of:
            problems.append(f"保单{p.number}保费全额缴清日期{p.premium_paid_on}晚于申请日期{as_of}")
    return Check("premium_paid", not problems, "；".join(problems) + ("。" if problems else ""))


def _check_coverage(policies):
    problems = [f"保单{p.number}责任限额{yuan(p.coverage_limit)}低于设备价值{yuan(p.equipment_value)}"
                for p in policies if p.coverage_limit < p.equipment_value]
    return Check("coverage", not problems, "；".join(problems) + ("。" if problems else ""))


def first_unit_serials(rules, equipment_form, all_units):
    """The serial numbers within the first-units rule, from every insured unit of the recognition."""
    earliest = {}
    for u in all_units:
        if u.serial not in earliest or u.contract_date < earliest[u.serial]:
            earliest[u.serial] = u.contract_date
    ordered = sorted(earliest.items(), key=lambda item: (item[1], item[0]))
    if not ordered:
        return set(), None
    months = rules.component_months if equipment_form == "component" else rules.first_batch_months
    limit = add_months(ordered[0][1], months)
    within = {serial for serial, _d in ordered[:rules.first_units]}
    within |= {serial for serial, day in ordered[:rules.first_batch_max_units] if day <= limit}
    return within, limit


def _check_first_units(rules, recognition, policies, all_units):
    within, limit = first_unit_serials(rules, recognition.equipment_form, all_units)
    outside = sorted({u.serial for p in policies for u in p.units if u.serial not in within})
    if not outside:
        return Check("first_units", True)
    months = rules.component_months if recognition.equipment_form == "component" else rules.first_batch_months
    return Check("first_units", False,
                 f"设备{'、'.join(outside)}不在首台（套）范围内：既非该产品前{rules.first_units}台（套），"
                 f"也不在首批次内（首份合同起{months}个月内即{limit}前签订、不超过{rules.first_batch_max_units}台）。")


def _check_continuity(cover_year, policies, earlier_claims):
    problems = []
    for p in policies:
        position = len(p.chain) + 1
        if position != cover_year:
            if cover_year > 1 and not p.chain:
                problems.append(f"第{cover_year}年补偿须提交续保上一年度保单的保单，保单{p.number}不是续保保单")
            else:
                problems.append(f"保单{p.number}为第{position}年保单，与申请的补偿年度（第{cover_year}年）不符")
        links = [(p.number, p.starts_on, p.ends_on), *p.chain]
        for (number, starts_on, _e), (prev_number, _s, prev_ends) in zip(links, links[1:], strict=False):
            if starts_on > prev_ends + dt.timedelta(days=1):
                gap = (starts_on - prev_ends).days - 1
                problems.append(f"保单{number}起保日期{starts_on}与所续保单{prev_number}止期{prev_ends}之间断保{gap}天")
        for earlier in earlier_claims:
            if p.id in earlier.policy_ids:
                problems.append(f"保单{p.number}已在补偿申请{earlier.number}中申请过")
            elif (cover_year > 1 and earlier.cover_year == cover_year - 1 and p.renewal_of_id is not None
                  and p.renewal_of_id not in earlier.policy_ids):
                problems.append(f"保单{p.number}所续保单{p.chain[0][0]}不在上一年度补偿申请{earlier.number}中")
    return Check("continuity", not problems, "；".join(problems) + ("。" if problems else ""))


def _check_max_years(rules, cover_year):
    if cover_year <= rules.max_years:
        return Check("max_years", True)
    return Check("max_years", False, f"补偿年度第{cover_year}年超过最长补偿年限{rules.max_years}年。")


def _exclusions(rules, policies):
    """{policy id: share of the policy compensated (0–1)} and the notes."""
    shares, notes = {}, []
    for p in policies:
        if rules.exclude_national and p.national_compensation:
            shares[p.id] = ZERO
            notes.append(f"保单{p.number}已获国家保险补偿，不予补偿")
            continue
        rewarded = [u.serial for u in p.units if rules.exclude_application_reward and u.application_reward]
        if rewarded:
            notes.append(f"设备{'、'.join(rewarded)}已获应用奖励，不予补偿")
        total = len(p.units)
        shares[p.id] = Decimal(total - len(rewarded)) / Decimal(total) if total else Decimal(1)
    return shares, notes


def evaluate(*, rules, recognition, cover_year, policies, all_units, earlier_claims=(), as_of):
    """Every check and the amount. policies: the claim's PolicyFacts; all_units: every insured Unit of the
    recognition (all its policies); earlier_claims: the recognition's other claims, not rejected."""
    shares, notes = _exclusions(rules, policies)
    nothing_left = bool(policies) and all(share == 0 for share in shares.values())
    exclusions = Check("exclusions", not nothing_left,
                       ("；".join(notes) + "。" + ("本申请的保单和设备均属排除情形。" if nothing_left else ""))
                       if notes else "")
    checks = (
        _check_recognition(recognition, policies),
        _check_window(rules, policies),
        _check_premium(policies, as_of),
        _check_coverage(policies),
        _check_first_units(rules, recognition, policies, all_units),
        _check_continuity(cover_year, policies, earlier_claims),
        _check_max_years(rules, cover_year),
        exclusions,
    )
    if not policies:
        checks = (Check("recognition_valid", False, "补偿申请未关联任何保单。"), *checks[1:])
    eligible = all(c.passed for c in checks)

    ratio = year_ratio(rules, recognition.level, cover_year)
    steps = [
        ("认定级别", LEVEL_LABELS.get(recognition.level, recognition.level)),
        ("补偿年度", f"第{cover_year}年"),
        ("当年补偿比例", f"首年{pct(rules.ratios[recognition.level])} − ({cover_year} − 1) × {pct(rules.yearly_step)}"
                   f" = {pct(ratio)}"),
    ]
    total = ZERO
    for p in policies:
        rate = p.premium / p.equipment_value
        applied = min(rate, Decimal(rules.rate_cap))
        compensable = p.premium * applied / rate
        share = shares[p.id]
        amount = compensable * ratio * share
        total += amount
        prefix = f"保单{p.number}："
        steps += [
            (prefix + "实际费率", f"{yuan(p.premium)} ÷ {yuan(p.equipment_value)} = {pct(rate)}"),
            (prefix + "适用费率", f"min({pct(rate)}, 上限{pct(rules.rate_cap)}) = {pct(applied)}"),
            (prefix + "计补保费", f"{yuan(p.premium)} × {pct(applied)} ÷ {pct(rate)} = {yuan(compensable)}"),
        ]
        if share != 1:
            steps.append((prefix + "排除后比例", pct(share)))
        steps.append((prefix + "补偿额", f"{yuan(compensable)} × {pct(ratio)}"
                      + (f" × {pct(share)}" if share != 1 else "") + f" = {yuan(amount)}"))
    capped = min(total, Decimal(rules.yearly_cap))
    steps += [
        ("各保单合计", yuan(total)),
        ("每年补偿上限", f"min({yuan(total)}, {yuan(rules.yearly_cap)}) = {yuan(capped)}"),
    ]
    amount = q2(capped) if eligible else q2(ZERO)
    steps.append(("测算补偿金额", yuan(amount) if eligible else "不符合补偿条件，补偿金额为0.00元"))
    return Result(eligible=eligible, amount=amount, checks=checks, working=tuple(steps))
