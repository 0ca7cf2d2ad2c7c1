"""首购统计: first purchases counted by award year and by the recognised product's field, with the amounts, computed
from the purchase records, the scope stated next to the figures (as recognition/summary.py does).

Definitions, stated on the page, in the API and in the Excel export:
- counted: purchases awarded (成交), contracted (已签订合同) or completed (已验收), i.e. every purchase with a
  recorded award. Drafts, running notices and purchases waiting for the award are not counted yet; cancelled
  (已终止) purchases are never counted (a purchase cannot be cancelled after its award);
- year: the year of the award date (成交日期), not of the creation or of the contract;
- field: the recognised product's field (recognition.field);
- amount: the contract amount once the contract is recorded, the award amount before that (yuan, two decimals);
- every year lists all ten fields (accounts.fields.INDUSTRY_FIELDS), zeros included; a field outside the list
  (it should not happen) shows under 其他 rather than vanish from the sum; each year's rows add up to its total
  and the years add up to the grand total.

Queries: one grouped sum over the counted purchases, one grouped count of the purchases not counted; the same
number for any amount of data.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.fields import INDUSTRY_FIELDS
from accounts.roles import roles_of

from .models import Purchase

S = Purchase.State
COUNTED = (S.AWARDED, S.CONTRACTED, S.COMPLETED)
IN_PROGRESS = (S.DRAFT, S.NOTICE, S.PENDING_AWARD)
OTHER = "other"
MIN_YEAR, MAX_YEAR = 2000, 2100
ZERO = Decimal("0.00")


def can_view_statistics(user):
    """Province-level staff of any department (industry, finance, the financial regulator) and superusers: the
    figures cover the whole province. City and county bureaus are not given a province-wide table."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or roles_of(user).is_province)


class StatisticsYearForm(forms.Form):
    """The statistics' scope: one award year, or every year when empty."""

    year = forms.IntegerField(
        label=gettext_lazy("成交年度"),
        required=False,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        help_text=gettext_lazy("为空时统计全部年度"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs["class"] = "form-control"


@dataclass
class Row:
    """One award year × field: the number of purchases and their amount (yuan)."""

    year: int
    field: str
    label: str
    count: int = 0
    amount: Decimal = ZERO


@dataclass
class YearTotal:
    year: int
    count: int = 0
    amount: Decimal = ZERO
    rows: list = field(default_factory=list)


@dataclass
class PurchaseStatistics:
    year: object  # the year asked for, or None (every year)
    years: list  # YearTotal per award year, ascending, each with its ten (or eleven) field rows
    by_field: list  # Row per field over the whole scope (year = None)
    count: int
    amount: Decimal
    by_state: dict  # counted purchases per state
    not_counted: dict  # purchases not counted, per state (every year: they have no award date)
    generated_at: object

    @property
    def rows(self):
        return [row for y in self.years for row in y.rows]

    @property
    def scope_lines(self):
        where = _("%(year)s年度成交的首购项目") % {"year": self.year} if self.year else _("全部年度成交的首购项目")
        states = dict(S.choices)
        counted = "、".join(
            _("%(state)s %(n)s 项") % {"state": states[s], "n": self.by_state.get(s, 0)} for s in COUNTED
        )
        in_progress = sum(self.not_counted.get(s, 0) for s in IN_PROGRESS)
        cancelled = self.not_counted.get(S.CANCELLED, 0)
        when = timezone.localtime(self.generated_at).strftime("%Y-%m-%d %H:%M")
        return [
            _("范围：%(s)s，按成交日期所在年度统计") % {"s": where},
            _("状态：计入已成交、已签订合同和已验收的项目（%(s)s，合计 %(total)s 项）")
            % {"s": counted, "total": self.count},
            _("不计入：尚未成交的项目（草稿、公示中、待确定成交，共 %(p)s 项）和已终止的项目（%(c)s 项），均无成交日期")
            % {"p": in_progress, "c": cancelled},
            _("金额：已签订合同的按合同金额，其余按成交金额（元）"),
            _("领域：按认定产品的所属领域，十个领域全部列出，无项目的为 0"),
            _("统计时间：%(s)s（北京时间），按首购记录实时计算") % {"s": when},
        ]

    @property
    def scope_text(self):
        return "；".join(line.rstrip("。") for line in self.scope_lines)


def _field_rows(year, counts, amounts, labels):
    known = [code for code, _label in INDUSTRY_FIELDS]
    rows = [Row(year, code, labels[code], counts.get(code, 0), amounts.get(code, ZERO)) for code in known]
    extra = [code for code in counts if code not in labels]
    if extra:
        rows.append(Row(year, OTHER, _("其他"), sum(counts[c] for c in extra), sum((amounts[c] for c in extra), ZERO)))
    return rows


def first_purchase_statistics(*, year=None, now=None):
    """The statistics of every award year, or of `year` only; see the module's docstring for the definitions."""
    counted = Purchase.objects.filter(state__in=COUNTED, awarded_on__isnull=False)
    if year is not None:
        counted = counted.filter(awarded_on__year=year)
    grouped = (
        counted.annotate(award_year=ExtractYear("awarded_on"), product_field=F("recognition__field"))
        .values("award_year", "product_field", "state")
        .annotate(n=Count("id"), total=Sum(Coalesce("contract__amount", "award_amount")))
        .order_by()
    )
    labels = {code: str(label) for code, label in INDUSTRY_FIELDS}
    counts, amounts, by_state = {}, {}, Counter()
    for row in grouped:
        y, code = row["award_year"], row["product_field"] or OTHER
        counts.setdefault(y, Counter())[code] += row["n"]
        amounts.setdefault(y, Counter())[code] += row["total"] or ZERO
        by_state[row["state"]] += row["n"]
    not_counted = dict(
        Purchase.objects.exclude(state__in=COUNTED).values_list("state").annotate(n=Count("id")).order_by()
    )
    years = sorted(counts) if year is None else [year]
    totals = []
    all_counts, all_amounts = Counter(), Counter()
    for y in years:
        rows = _field_rows(y, counts.get(y, {}), amounts.get(y, {}), labels)
        totals.append(YearTotal(y, sum(r.count for r in rows), sum((r.amount for r in rows), ZERO), rows))
        all_counts.update(counts.get(y, {}))
        all_amounts.update(amounts.get(y, {}))
    return PurchaseStatistics(
        year=year,
        years=totals,
        by_field=_field_rows(None, all_counts, all_amounts, labels),
        count=sum(t.count for t in totals),
        amount=sum((t.amount for t in totals), ZERO),
        by_state={s: by_state.get(s, 0) for s in COUNTED},
        not_counted={s: not_counted.get(s, 0) for s, _label in S.choices if s not in COUNTED},
        generated_at=now or timezone.now(),
    )


def statistics_data(stats):
    """The statistics as JSON (the API): the scope (text, lines and parts), the totals, per year and per field."""

    def row(r):
        return {"field": r.field, "label": r.label, "count": r.count, "amount": f"{r.amount:.2f}"}

    return {
        "scope": {
            "text": stats.scope_text,
            "lines": stats.scope_lines,
            "year": stats.year,
            "counted_states": list(COUNTED),
            "excluded_states": [s for s, _label in S.choices if s not in COUNTED],
            "by": "awarded_on",
            "amount": "contract.amount if signed else award_amount",
            "generated_at": timezone.localtime(stats.generated_at).isoformat(),
        },
        "count": stats.count,
        "amount": f"{stats.amount:.2f}",
        "by_state": stats.by_state,
        "not_counted": stats.not_counted,
        "years": [
            {"year": y.year, "count": y.count, "amount": f"{y.amount:.2f}", "rows": [row(r) for r in y.rows]}
            for y in stats.years
        ],
        "by_field": [row(r) for r in stats.by_field],
    }
