"""The payout list's filters, shared by the pages (payouts/views), the API viewset and the Excel export.

Every filter narrows a queryset already scoped by payouts.queries.payouts_visible_to; none widens it. Bad values
(an unknown state, a year out of range) make the FilterSet invalid: pages show the unfiltered list with the form's
errors, the API answers 400.

`overdue`: allocated to the city and not disbursed by the due date (due_on before today, Asia/Shanghai) — the
same rule as payouts.services.approvals.overdue; `overdue=false` is everything else.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from certification.catalogue import Level
from certification.queries import is_id

from .models import Kind, Payout

ID = dict(min_value=1, max_value=2**63 - 1)


def overdue_condition(today=None):
    """Q of the payouts overdue on `today` (default: today in Asia/Shanghai)."""
    return Q(state=Payout.State.ALLOCATED, due_on__lt=today or timezone.localdate())


class AsciiIntegerField(forms.IntegerField):
    """An id or a year in ASCII digits only: forms.IntegerField (and the DecimalField of NumberFilter) also take
    "２０２６", "٢٠٢٦", "3301.0" or "1e3" for a number, so a filter would silently apply to another value."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not is_id(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


class AsciiNumberFilter(filters.NumberFilter):
    field_class = AsciiIntegerField


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0), empty for either; anything else is an error rather than silently no filter."""

    widget = forms.Select(choices=[("", "---------"), ("true", _("是")), ("false", _("否"))])

    def to_python(self, value):
        if value in (None, ""):
            return None
        key = value.lower() if isinstance(value, str) else value
        if key in (True, "true", "1"):
            return True
        if key in (False, "false", "0"):
            return False
        raise ValidationError(_("请填写 true 或 false。"), code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", StrictBooleanField.widget)
        super().__init__(*args, **kwargs)


class PayoutFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="search",
        max_length=60,
        label=_("拨付编号、企业名称、统一社会信用代码、产品名称或证书编号（包含即可）"),
    )
    kind = filters.ChoiceFilter(choices=Kind.choices, label=_("资金类别"))
    state = filters.ChoiceFilter(choices=Payout.State.choices, label=_("状态"))
    year = AsciiNumberFilter(field_name="year", min_value=2000, max_value=2100, label=_("预算年度"))
    city = AsciiNumberFilter(field_name="city_id", label=_("设区市（行政区划 id）"), **ID)
    level = filters.ChoiceFilter(choices=Level.choices, label=_("认定级别"))
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("逾期未拨付企业（已下达且超过应拨付日期）"))

    class Meta:
        model = Payout
        fields = ["q", "kind", "state", "year", "city", "level", "overdue"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(enterprise_name__icontains=value)
            | Q(enterprise_uscc__icontains=value)
            | Q(recognition__product_name__icontains=value)
            | Q(recognition__certificate_number__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        condition = overdue_condition()
        return queryset.filter(condition) if value else queryset.exclude(condition)
