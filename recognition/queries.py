"""Read side of recognitions: the public promotion catalogue (推广应用指导目录) and its filters.

The catalogue lists valid recognitions only: status valid *and* still within their validity today (Asia/Shanghai),
so a recognition whose expiry the nightly task has not marked yet is not shown either. Expired and revoked
recognitions never appear. The page, its Excel export and the API share one filter form, so the three answer the
same rows for the same query string.
"""

from urllib.parse import quote

from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import INDUSTRY_FIELDS
from accounts.models import Region
from certification.catalogue import Category, Level

from .models import Recognition

# International first, then domestic, then provincial (the codes' alphabetical order would put domestic first).
LEVEL_ORDER = [Level.INTERNATIONAL, Level.DOMESTIC, Level.PROVINCIAL]

# The columns a catalogue row shows (list, export, API); the rest of the row stays in the database.
CATALOGUE_COLUMNS = [
    "id", "year", "level", "sequence", "category", "field", "product_name", "model_spec", "enterprise_name",
    "certificate_number", "valid_until", "city_id", "city__name",
]

MAX_QUERY_LENGTH = 100
MIN_YEAR, MAX_YEAR = 2000, 2100


def level_rank():
    """An expression ranking the level codes in LEVEL_ORDER, for ordering."""
    return Case(*[When(level=code, then=Value(i)) for i, code in enumerate(LEVEL_ORDER)],
                default=Value(len(LEVEL_ORDER)), output_field=IntegerField())


def catalogue_queryset(today=None):
    """Valid recognitions in catalogue order: year (newest first), level (international first), sequence."""
    today = today or timezone.localdate()
    return (
        Recognition.objects.filter(status=Recognition.Status.VALID, valid_until__gte=today)
        .select_related("city")
        .only(*CATALOGUE_COLUMNS)
        .order_by("-year", level_rank(), "sequence", "id")
    )


def verify_path(certificate_number):
    """The public verification page of a certificate number (served by the verification feature)."""
    return f"/verify/{quote(certificate_number, safe='')}/"


def city_choices():
    """The 11 cities (设区市) in their official order, as (id, name) pairs: one query."""
    return list(Region.objects.filter(level=Region.Level.CITY).order_by("sort_order", "code").values_list("pk", "name"))


class CatalogueFilterForm(forms.Form):
    """The catalogue's search and filters, from a query string (the page, the export and the API).

    A value that is not valid leaves its own filter out and is reported (form errors); the valid filters still
    apply. The page shows the message; the export and the API refuse the request (400) instead, so a stale or
    mistyped link never yields a wider list than asked for without saying so.
    """

    q = forms.CharField(label=_("关键词"), required=False, max_length=MAX_QUERY_LENGTH,
                        help_text=_("产品名称、型号规格、企业名称或证书编号，包含即可"))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    level = forms.ChoiceField(label=_("认定级别"), required=False, choices=[("", _("全部"))] + list(Level.choices))
    category = forms.ChoiceField(label=_("产品类别"), required=False,
                                 choices=[("", _("全部"))] + list(Category.choices))
    field = forms.ChoiceField(label=_("所属领域"), required=False, choices=[("", _("全部"))] + list(INDUSTRY_FIELDS))
    city = forms.TypedChoiceField(label=_("设区市"), required=False, coerce=int, empty_value=None)

    FILTERS = ("q", "year", "level", "category", "field", "city")

    def __init__(self, data=None, *, cities=None, years=None, **kwargs):
        super().__init__(data, **kwargs)
        self.cities = city_choices() if cities is None else cities
        self.fields["city"].choices = [("", _("全部"))] + [(str(pk), name) for pk, name in self.cities]
        if years is not None:  # the page offers the years the catalogue has; any year in range is accepted
            self.fields["year"].widget = forms.Select(choices=[("", _("全部"))] + [(str(y), str(y)) for y in years])
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select)
                                          else "form-control")

    def values(self):
        """The valid filters' values ({} for none); an invalid one is left out (see errors)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned[name] for name in self.FILTERS if cleaned.get(name) not in (None, "")}

    def refused(self):
        return self.is_bound and not self.is_valid()

    def error_messages(self):
        """One line per refused filter: '年度：请输入…'."""
        return [f"{self.fields[name].label}：{' '.join(errors)}" for name, errors in self.errors.items()]

    def apply(self, qs):
        return filter_catalogue(qs, **self.values())

    def scope_text(self, today=None):
        """The filters as a sentence for an export's heading: '2026年度；国内首台（套）；关键词“机床”'."""
        d = self.values()
        parts = []
        if "year" in d:
            parts.append(_("%(y)s年度") % {"y": d["year"]})
        labels = {"level": dict(Level.choices), "category": dict(Category.choices), "field": dict(INDUSTRY_FIELDS),
                  "city": dict(self.cities)}
        for key in ("level", "category", "field", "city"):
            if key in d:
                parts.append(str(labels[key].get(d[key], d[key])))
        if "q" in d:
            parts.append(_("关键词“%(q)s”") % {"q": d["q"]})
        return "；".join(str(p) for p in parts) or str(_("全部"))


def filter_catalogue(qs, *, q="", year=None, level="", category="", field="", city=None):
    """Narrow the catalogue: `q` is a substring of the product name, model, enterprise name or certificate
    number (Chinese text matches as typed); the others are exact."""
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(product_name__icontains=q) | Q(model_spec__icontains=q) | Q(enterprise_name__icontains=q)
                       | Q(certificate_number__icontains=q))
    if year:
        qs = qs.filter(year=year)
    for name, value in (("level", level), ("category", category), ("field", field), ("city_id", city)):
        if value:
            qs = qs.filter(**{name: value})
    return qs


def catalogue_years(today=None):
    """The years the catalogue has rows for, newest first (the page's year choices)."""
    today = today or timezone.localdate()
    return list(
        Recognition.objects.filter(status=Recognition.Status.VALID, valid_until__gte=today)
        .order_by("-year").values_list("year", flat=True).distinct()
    )

