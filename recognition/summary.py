"""The batch summary (认定结果汇总) for province staff: recognitions counted by level, city, field and category,
computed from the records, with the scope stated next to the figures (domain.md §11).

Definitions, stated on the page, in the API and in the Excel export:
- scope: one batch, or every batch of one year;
- counted: recognitions with status valid or expired. Expiry ends a recognition's validity, not the fact that the
  batch recognised it, so a past batch's figures do not shrink as time passes;
- not counted: revoked recognitions (撤销认定), listed separately with their revocation document;
- every table lists all its categories (all 11 cities, all ten fields, all levels and categories), zeros included,
  and each table adds up to the same total. A row whose city or field is not one of the reference list (it should
  not happen) shows under 其他 rather than vanish from the sum.

Queries: the scope (one), the 11 cities (one), one grouped count over the scope, the revoked rows (one); the same
number for any amount of data.
"""

from collections import Counter
from dataclasses import dataclass, field

from django import forms
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.fields import INDUSTRY_FIELDS
from certification.catalogue import Category, Level
from certification.models import Batch

from .models import Recognition
from .queries import LEVEL_ORDER, MAX_YEAR, MIN_YEAR, city_choices

COUNTED = (Recognition.Status.VALID, Recognition.Status.EXPIRED)
OTHER = "other"


def can_view_summary(user):
    """Province industry staff (and superusers), as for expert review and the proposals it leads to."""
    from review.queries import is_review_staff

    return is_review_staff(user)


class SummaryScopeForm(forms.Form):
    """Which recognitions a summary covers: one batch, or one year (every batch of it). Exactly one."""

    batch = forms.ModelChoiceField(label=gettext_lazy("批次"), required=False,
                                   queryset=Batch.objects.order_by("-year", "-id"), empty_label=gettext_lazy("—"))
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].widget.attrs["class"] = "form-select"
        self.fields["year"].widget.attrs["class"] = "form-control"
        self.fields["batch"].error_messages["invalid_choice"] = _("没有这个批次。")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("batch") and cleaned.get("year"):
            raise forms.ValidationError(_("请只选择批次或年度之一。"), code="both")
        if not cleaned.get("batch") and not cleaned.get("year"):
            raise forms.ValidationError(_("请选择批次或年度。"), code="none")
        return cleaned


@dataclass
class Line:
    code: object
    label: str
    count: int = 0
    levels: list = field(default_factory=list)  # counts per level in LEVEL_ORDER (cities and fields)


@dataclass
class Summary:
    batch: object
    year: int
    batches: list
    categories: list
    total: int
    statuses: dict
    by_level: list
    by_city: list
    by_field: list
    by_category: list
    revoked: list
    generated_at: object

    @property
    def level_labels(self):
        """The headings of the per-level columns of the city and field tables (LEVEL_ORDER)."""
        return [line.label for line in self.by_level if line.code != OTHER]

    @property
    def scope_lines(self):
        """The scope, one statement per line ('范围：…', '类别：…', '级别：…', '状态：…', '统计时间：…')."""
        if self.batch is not None:
            where = _("%(name)s（%(year)s年度）") % {"name": self.batch.name, "year": self.year}
        else:
            names = "、".join(b.name for b in self.batches) or _("该年度暂无批次")
            where = _("%(year)s年度全部批次（%(names)s）") % {"year": self.year, "names": names}
        categories = "、".join(self.categories) or _("无")
        levels = "、".join(self.level_labels)
        status = _(
            "计入有效和已过期的认定（有效 %(valid)s 项，已过期 %(expired)s 项，合计 %(total)s 项）；"
            "已撤销的 %(revoked)s 项不计入，单列于后"
        ) % {"valid": self.statuses.get(Recognition.Status.VALID, 0),
             "expired": self.statuses.get(Recognition.Status.EXPIRED, 0), "total": self.total,
             "revoked": len(self.revoked)}
        when = timezone.localtime(self.generated_at).strftime("%Y-%m-%d %H:%M")
        return [
            _("范围：%(s)s") % {"s": where},
            _("类别：%(s)s") % {"s": categories},
            _("级别：%(s)s") % {"s": levels},
            _("状态：%(s)s") % {"s": status},
            _("统计时间：%(s)s（北京时间），按认定记录实时计算") % {"s": when},
        ]

    @property
    def scope_text(self):
        return "；".join(line.rstrip("。") for line in self.scope_lines)


def _scope_queryset(batch, year):
    if batch is not None:
        return Recognition.objects.filter(batch_id=batch.pk)
    return Recognition.objects.filter(year=year)


def _lines(reference, counts, level_counts=None):
    """One line per reference entry (zeros included), then 其他 if some counted rows are outside the list."""
    known = {code for code, _label in reference}
    def per_level(counter):
        return [counter.get(level, 0) for level in LEVEL_ORDER] if level_counts is not None else []

    lines = [Line(code, str(label), counts.get(code, 0), per_level((level_counts or {}).get(code, {})))
             for code, label in reference]
    extra = sum(n for code, n in counts.items() if code not in known)
    if extra:
        levels = Counter()
        for code, counter in (level_counts or {}).items():
            if code not in known:
                levels.update(counter)
        lines.append(Line(OTHER, _("其他"), extra, per_level(levels)))
    return lines


def batch_summary(*, batch=None, year=None, now=None):
    """The summary of one batch (or of every batch of `year`); see the module's docstring for the definitions."""
    if (batch is None) == (year is None):
        raise ValueError("batch or year, exactly one")
    if batch is not None:
        year, batches = batch.year, [batch]
    else:
        batches = list(Batch.objects.filter(year=year).order_by("opens_at", "id").only("id", "name", "categories"))
    scoped = _scope_queryset(batch, year)
    grouped = (
        scoped.filter(status__in=COUNTED).values("level", "city_id", "field", "category", "status")
        .annotate(n=Count("id")).order_by()
    )
    by_level, by_city, by_field, by_category, statuses = Counter(), Counter(), Counter(), Counter(), Counter()
    city_levels, field_levels = {}, {}
    for row in grouped:
        n = row["n"]
        by_level[row["level"]] += n
        by_city[row["city_id"]] += n
        by_field[row["field"]] += n
        by_category[row["category"]] += n
        statuses[row["status"]] += n
        city_levels.setdefault(row["city_id"], Counter())[row["level"]] += n
        field_levels.setdefault(row["field"], Counter())[row["level"]] += n
    revoked = list(
        scoped.filter(status=Recognition.Status.REVOKED).select_related("city")
        .only("id", "certificate_number", "product_name", "model_spec", "enterprise_name", "level", "city__name",
              "revoked_at", "revocation_document", "revocation_reason")
        .order_by("revoked_at", "id")
    )
    category_labels = dict(Category.choices)
    codes = []
    for b in batches:
        codes += [c for c in (b.categories or []) if c not in codes]
    levels = dict(Level.choices)
    return Summary(
        batch=batch, year=year, batches=batches,
        categories=[str(category_labels.get(c, c)) for c in codes],
        total=sum(by_level.values()), statuses=dict(statuses),
        by_level=_lines([(code, levels[code]) for code in LEVEL_ORDER], by_level),
        by_city=_lines(city_choices(), by_city, city_levels),
        by_field=_lines(INDUSTRY_FIELDS, by_field, field_levels),
        by_category=_lines(list(Category.choices), by_category),
        revoked=revoked,
        generated_at=now or timezone.now(),
    )
