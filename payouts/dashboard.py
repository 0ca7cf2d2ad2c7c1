"""资金拨付 dashboard (staff): payouts counted and summed by year × kind, by level (rewards), by city and by state
group, the overdue disbursements, the budget positions and the recoveries outstanding — computed from the payout
records, scoped to the user, with the scope stated next to the figures (as recognition/summary.py and
procurement/statistics.py do).

Definitions, stated on the page, in the API and in the Excel export:
- scope: the payouts the user may see (payouts.queries.payouts_visible_to): province-level bureaus (industry,
  finance, the financial regulator) the whole province; a city bureau its city (the counties included); a county
  bureau its county. Enterprises (and users with no bureau) have no dashboard (403); they read their own payouts
  in the list;
- year: the payout's budget year (预算年度: a reward is paid from the year after its batch, a compensation from
  the year of its approval), one year or every year;
- state groups (every payout in exactly one): 拟拨付 (proposed); 已审核 (approved by the industry bureau, or by
  both the industry bureau and finance, not yet allocated); 已下达市县 (allocated); 已拨付企业 (disbursed);
  不予拨付 (rejected). Rejected payouts count in their own group only, never in another group nor in a total;
  the totals (合计) add up proposed + approved + allocated + disbursed;
- amount: the payout amount (yuan, two decimals);
- by city: the payout's city (设区市); the province's dashboard lists all 11 cities, zeros included; a city or
  county bureau its own city;
- by level: reward payouts only (compensations are listed by kind), all three levels listed, zeros included;
- overdue: allocated payouts whose due date (allocation date + 30 days) is before today (Asia/Shanghai), days
  overdue = today − due date;
- budget positions (province-level bureaus only; budgets are province business): per year and kind, the budget,
  committed (the amounts of approved, allocated and disbursed payouts: Payout.COMMITTED, plus allocated payouts
  rejected on a revocation, minus what their recoveries brought back: budgets.py), disbursed, and
  remaining = budget − committed; a year and kind with payouts and no budget is listed without a budget;
- recoveries outstanding: open recoveries of the payouts in scope, the amount owed, repaid so far and still
  outstanding, per debtor (enterprise, city finance).

Queries: the user's memberships (one, cached on the user), the cities (one), one grouped sum over the payouts in
scope, the overdue payouts (one), the budgets (one, province only), one grouped sum over the open recoveries; the
same number for any amount of data.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership, Organisation, Region
from accounts.roles import roles_of
from certification.catalogue import Level

from .filters import AsciiIntegerField, overdue_condition
from .models import Budget, Kind, Payout, Recovery
from .queries import payouts_visible_to, recoveries_visible_to

S = Payout.State
R = Membership.Role
ZERO = Decimal("0.00")
MIN_YEAR, MAX_YEAR = 2000, 2100
OTHER = "other"
LEVEL_ORDER = [Level.INTERNATIONAL, Level.DOMESTIC, Level.PROVINCIAL]
LOCAL_ROLES = (R.CITY_STAFF, R.COUNTY_STAFF, R.FINANCE_STAFF)

# (code, label, states) in display order; every state in exactly one group.
GROUPS = [
    ("proposed", gettext_lazy("拟拨付"), (S.PROPOSED,)),
    ("approved", gettext_lazy("已审核"), (S.INDUSTRY_APPROVED, S.FINANCE_APPROVED)),
    ("allocated", gettext_lazy("已下达市县"), (S.ALLOCATED,)),
    ("disbursed", gettext_lazy("已拨付企业"), (S.DISBURSED,)),
    ("rejected", gettext_lazy("不予拨付"), (S.REJECTED,)),
]
GROUP_CODES = [code for code, _label, _states in GROUPS]
GROUP_OF = {state: code for code, _label, states in GROUPS for state in states}
# The groups a total (合计) adds up: everything but the rejected.
IN_TOTAL = ("proposed", "approved", "allocated", "disbursed")


def _bureau_memberships(user):
    return [
        m
        for m in roles_of(user).memberships
        if m.organisation.kind == Organisation.Kind.BUREAU
        and (
            m.organisation.bureau_level == Organisation.BureauLevel.PROVINCE
            or (
                m.role in LOCAL_ROLES
                and m.organisation.bureau_level in (Organisation.BureauLevel.CITY, Organisation.BureauLevel.COUNTY)
            )
        )
    ]


def can_view_dashboard(user):
    """Province-level bureaus (any department), city and county bureaus (industry or finance), superusers."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or roles_of(user).is_province or _bureau_memberships(user))


def is_province_wide(user):
    return bool(user.is_superuser or roles_of(user).is_province)


class DashboardYearForm(forms.Form):
    """The dashboard's scope in time: one budget year, or every year when empty."""

    year = AsciiIntegerField(
        label=gettext_lazy("预算年度"),
        required=False,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        help_text=gettext_lazy("为空时统计全部年度"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs["class"] = "form-control"


@dataclass
class Cell:
    count: int = 0
    amount: Decimal = ZERO

    def add(self, count, amount):
        self.count += count
        self.amount += amount or ZERO


@dataclass
class Row:
    """One line of a table: a count and an amount per state group, and the total without the rejected."""

    code: object
    label: str
    cells: dict = field(default_factory=lambda: {code: Cell() for code in GROUP_CODES})

    def add(self, group, count, amount):
        self.cells[group].add(count, amount)

    @property
    def count(self):
        return sum(self.cells[g].count for g in IN_TOTAL)

    @property
    def amount(self):
        return sum((self.cells[g].amount for g in IN_TOTAL), ZERO)

    @property
    def groups(self):
        """The cells in display order (templates and Excel)."""
        return [self.cells[code] for code in GROUP_CODES]

    @property
    def labelled_groups(self):
        return [(str(label), self.cells[code]) for code, label, _states in GROUPS]


@dataclass
class YearRows:
    year: int
    rows: list  # one Row per kind
    total: Row


@dataclass
class OverdueLine:
    id: int
    number: str
    kind: str
    enterprise_name: str
    city: str
    region: str
    amount: Decimal
    allocated_on: date
    due_on: date
    days_overdue: int
    allocation_document: str


@dataclass
class BudgetLine:
    year: int
    kind: str
    kind_label: str
    amount: object  # Decimal, or None when no budget was set
    committed: Decimal
    disbursed: Decimal

    @property
    def remaining(self):
        return None if self.amount is None else self.amount - self.committed


@dataclass
class RecoveryLine:
    debtor: str
    label: str
    count: int = 0
    amount: Decimal = ZERO
    repaid: Decimal = ZERO

    @property
    def outstanding(self):
        return self.amount - self.repaid


@dataclass
class Totals:
    year: object  # the year asked for, or None (every year)
    province_wide: bool
    area: str  # the scope's area in words
    today: date
    generated_at: object
    overall: Row
    years: list  # YearRows, ascending
    by_kind: list  # Row per kind over the scope
    by_level: list  # Row per level (rewards)
    by_city: list  # Row per city
    overdue: list  # OverdueLine, longest overdue first
    budgets: list  # BudgetLine per year and kind (province only)
    recoveries: list  # RecoveryLine per debtor
    group_labels: list = field(default_factory=lambda: [str(label) for _code, label, _states in GROUPS])

    @property
    def overdue_amount(self):
        return sum((line.amount for line in self.overdue), ZERO)

    @property
    def recovery_total(self):
        total = RecoveryLine("total", _("合计"))
        for line in self.recoveries:
            total.count += line.count
            total.amount += line.amount
            total.repaid += line.repaid
        return total

    @property
    def scope_lines(self):
        when = timezone.localtime(self.generated_at).strftime("%Y-%m-%d %H:%M")
        years = _("%(year)s年度") % {"year": self.year} if self.year else _("全部年度")
        lines = [
            _("范围：%(area)s的拨付，%(years)s（按预算年度）") % {"area": self.area, "years": years},
            _("状态分组：拟拨付；已审核（经信部门已审核、财政部门已审核，尚未下达）；已下达市县；已拨付企业；不予拨付"),
            _("不予拨付的只计入“不予拨付”，不计入其他分组和合计；合计 = 拟拨付 + 已审核 + 已下达市县 + 已拨付企业"),
            _("金额：拨付金额（元）；按级别统计的仅为首台（套）奖励"),
            _("按设区市：%(cities)s，无拨付的为 0")
            % {"cities": _("全省11个设区市全部列出") if self.province_wide else _("列出本辖区所在设区市")},
            _("逾期：已下达市县、超过应拨付日期（下达之日起30日）仍未拨付企业的；逾期天数按今日（%(today)s）计算")
            % {"today": self.today.isoformat()},
        ]
        if self.province_wide:
            lines.append(
                _(
                    "预算执行：已占用 = 经信部门审核同意后（已审核、已下达、已拨付）的拨付金额，加上已下达后因撤销认定"
                    "不予拨付、尚待追回的金额，减去已追回金额；剩余 = 预算 − 已占用"
                )
            )
        else:
            lines.append(_("预算执行情况仅向省级部门显示"))
        lines += [
            _("追回：撤销认定后尚未追回完毕的追回记录（应追回、已追回、待追回金额）"),
            _("统计时间：%(s)s（北京时间），按拨付记录实时计算") % {"s": when},
        ]
        return lines

    @property
    def scope_text(self):
        return "；".join(line.rstrip("。") for line in self.scope_lines)


def _area(user, province_wide):
    if province_wide:
        return _("全省")
    names = []
    for m in _bureau_memberships(user):
        name = m.organisation.region.full_name
        if name not in names:
            names.append(name)
    enterprises = [o.name for o in roles_of(user).organisations(R.ENTERPRISE)]
    if enterprises:
        names.append(_("本企业（%(names)s）") % {"names": "、".join(enterprises)})
    return "、".join(names)


def _own_city_ids(user):
    ids = []
    for m in _bureau_memberships(user):
        city = m.organisation.region.city
        if city is not None and city.pk not in ids:
            ids.append(city.pk)
    return ids


def totals(*, user, year=None, today=None, now=None):
    """The dashboard's figures for `user` (every budget year, or `year`); see the module's docstring. Raises
    PermissionDenied for a user with no dashboard."""
    if not can_view_dashboard(user):
        raise PermissionDenied(_("只有省级部门和市县经信、财政部门工作人员可以查看资金拨付统计。"))
    today = today or timezone.localdate()
    province_wide = is_province_wide(user)
    payouts = payouts_visible_to(user)
    recoveries = recoveries_visible_to(user).filter(state=Recovery.State.OPEN)
    if year is not None:
        payouts = payouts.filter(year=year)
        recoveries = recoveries.filter(payout__year=year)

    cities = list(
        Region.objects.filter(level=Region.Level.CITY).order_by("sort_order", "code").values_list("pk", "name")
    )
    city_names = dict(cities)
    grouped = (
        payouts.select_related(None)
        .values("year", "kind", "level", "city_id", "state")
        .annotate(
            n=Count("id"),
            total=Sum("amount"),
            clawed=Sum("recovery__amount"),
            repaid=Sum("recovery__repaid_amount"),
        )
        .order_by()
    )
    kinds = dict(Kind.choices)
    levels = dict(Level.choices)
    overall = Row("total", _("合计"))
    by_year_kind = defaultdict(dict)
    by_kind = {k: Row(k, str(label)) for k, label in Kind.choices}
    by_level = {lv: Row(lv, str(levels[lv])) for lv in LEVEL_ORDER}
    by_city = {}
    committed = defaultdict(lambda: ZERO)
    disbursed = defaultdict(lambda: ZERO)
    with_payouts = set()
    for row in grouped:
        group = GROUP_OF.get(row["state"])
        if group is None:  # an unknown state (it should not happen) is not silently put in a group
            continue
        n, amount = row["n"], row["total"] or ZERO
        y, kind = row["year"], row["kind"]
        overall.add(group, n, amount)
        per_year = by_year_kind[y]
        if kind not in per_year:
            per_year[kind] = Row(kind, str(kinds.get(kind, kind)))
        per_year[kind].add(group, n, amount)
        by_kind.setdefault(kind, Row(kind, str(kinds.get(kind, kind)))).add(group, n, amount)
        if kind == Kind.REWARD:
            level = row["level"] if row["level"] in by_level else OTHER
            by_level.setdefault(level, Row(OTHER, _("其他"))).add(group, n, amount)
        city = row["city_id"] if row["city_id"] in city_names else OTHER
        by_city.setdefault(city, Row(city, city_names.get(city, _("其他")))).add(group, n, amount)
        with_payouts.add((y, kind))
        if row["state"] in Payout.COMMITTED:
            committed[(y, kind)] += amount
        elif row["state"] == S.REJECTED:  # allocated, then rejected on a revocation: out until repaid
            committed[(y, kind)] += row["clawed"] or ZERO
        committed[(y, kind)] -= row["repaid"] or ZERO
        if row["state"] == S.DISBURSED:
            disbursed[(y, kind)] += amount

    budgets = []
    if province_wide:
        budget_qs = Budget.objects.all() if year is None else Budget.objects.filter(year=year)
        amounts = {(b.year, b.kind): b.amount for b in budget_qs.only("year", "kind", "amount")}
        keys = sorted(
            set(amounts) | with_payouts, key=lambda k: (k[0], list(kinds).index(k[1]) if k[1] in kinds else 9)
        )
        budgets = [
            BudgetLine(y, k, str(kinds.get(k, k)), amounts.get((y, k)), committed[(y, k)], disbursed[(y, k)])
            for y, k in keys
        ]

    years = [year] if year is not None else sorted(set(by_year_kind) | {b.year for b in budgets})
    year_rows = []
    for y in years:
        rows = [by_year_kind[y].get(k) or Row(k, str(label)) for k, label in Kind.choices]
        rows += [r for k, r in by_year_kind[y].items() if k not in kinds]
        total = Row("total", _("合计"))
        for r in rows:
            for g in GROUP_CODES:
                total.add(g, r.cells[g].count, r.cells[g].amount)
        year_rows.append(YearRows(y, rows, total))

    listed = [pk for pk, _name in cities] if province_wide else _own_city_ids(user)
    city_rows = [by_city.get(pk) or Row(pk, city_names[pk]) for pk in listed if pk in city_names]
    city_rows += [r for pk, r in by_city.items() if pk not in listed and pk != OTHER]
    if OTHER in by_city:
        city_rows.append(by_city[OTHER])

    overdue = [
        OverdueLine(
            id=p["id"],
            number=p["number"],
            kind=str(kinds.get(p["kind"], p["kind"])),
            enterprise_name=p["enterprise_name"],
            city=p["city__name"],
            region=p["region__name"],
            amount=p["amount"],
            allocated_on=p["allocated_on"],
            due_on=p["due_on"],
            days_overdue=(today - p["due_on"]).days,
            allocation_document=p["allocation_document"],
        )
        for p in payouts.filter(overdue_condition(today))
        .order_by("due_on", "id")
        .values(
            "id",
            "number",
            "kind",
            "enterprise_name",
            "city__name",
            "region__name",
            "amount",
            "allocated_on",
            "due_on",
            "allocation_document",
        )
    ]

    debtors = dict(Recovery.Debtor.choices)
    recovery_lines = {d: RecoveryLine(d, str(label)) for d, label in Recovery.Debtor.choices}
    for r in (
        recoveries.select_related(None)
        .values("debtor")
        .annotate(n=Count("id"), total=Sum("amount"), repaid=Sum("repaid_amount"))
        .order_by()
    ):
        line = recovery_lines.setdefault(r["debtor"], RecoveryLine(r["debtor"], str(debtors.get(r["debtor"], ""))))
        line.count += r["n"]
        line.amount += r["total"] or ZERO
        line.repaid += r["repaid"] or ZERO

    return Totals(
        year=year,
        province_wide=province_wide,
        area=_area(user, province_wide),
        today=today,
        generated_at=now or timezone.now(),
        overall=overall,
        years=year_rows,
        by_kind=list(by_kind.values()),
        by_level=list(by_level.values()),
        by_city=city_rows,
        overdue=overdue,
        budgets=budgets,
        recoveries=list(recovery_lines.values()),
    )


def _money(value):
    return None if value is None else f"{value:.2f}"


def _row_data(row):
    return {
        "code": row.code,
        "label": row.label,
        "groups": {g: {"count": row.cells[g].count, "amount": _money(row.cells[g].amount)} for g in GROUP_CODES},
        "count": row.count,
        "amount": _money(row.amount),
    }


def totals_data(t):
    """The totals as JSON (the API): the scope (text, lines and parts), then each table."""
    return {
        "scope": {
            "text": t.scope_text,
            "lines": t.scope_lines,
            "year": t.year,
            "area": t.area,
            "province_wide": t.province_wide,
            "by": "year (budget year)",
            "groups": {code: [str(s) for s in states] for code, _label, states in GROUPS},
            "group_labels": {code: str(label) for code, label, _states in GROUPS},
            "total_excludes": ["rejected"],
            "today": t.today.isoformat(),
            "generated_at": timezone.localtime(t.generated_at).isoformat(),
        },
        "overall": _row_data(t.overall),
        "years": [
            {"year": y.year, "rows": [_row_data(r) for r in y.rows], "total": _row_data(y.total)} for y in t.years
        ],
        "by_kind": [_row_data(r) for r in t.by_kind],
        "by_level": [_row_data(r) for r in t.by_level],
        "by_city": [_row_data(r) for r in t.by_city],
        "overdue": [
            {
                "id": o.id,
                "number": o.number,
                "kind": o.kind,
                "enterprise_name": o.enterprise_name,
                "city": o.city,
                "region": o.region,
                "amount": _money(o.amount),
                "allocated_on": o.allocated_on.isoformat(),
                "due_on": o.due_on.isoformat(),
                "days_overdue": o.days_overdue,
                "allocation_document": o.allocation_document,
            }
            for o in t.overdue
        ],
        "overdue_amount": _money(t.overdue_amount),
        "budgets": [
            {
                "year": b.year,
                "kind": b.kind,
                "kind_label": b.kind_label,
                "amount": _money(b.amount),
                "committed": _money(b.committed),
                "disbursed": _money(b.disbursed),
                "remaining": _money(b.remaining),
            }
            for b in t.budgets
        ],
        "recoveries": [
            {
                "debtor": r.debtor,
                "label": r.label,
                "count": r.count,
                "amount": _money(r.amount),
                "repaid": _money(r.repaid),
                "outstanding": _money(r.outstanding),
            }
            for r in [*t.recoveries, t.recovery_total]
        ],
    }


def dashboard_card(user):
    """The staff dashboard's 资金拨付 card (accounts/dashboard.html): the overdue disbursements in the user's scope,
    for the staff who see the payout dashboard. One query (besides the user's memberships); {} for anyone else."""
    if not can_view_dashboard(user):
        return {}
    overdue = (
        payouts_visible_to(user)
        .select_related(None)
        .filter(overdue_condition())
        .aggregate(n=Count("id"), total=Sum("amount"))
    )
    return {"payouts_card": {"overdue": overdue["n"], "overdue_amount": overdue["total"] or ZERO}}
