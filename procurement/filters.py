"""The purchase list's filters, shared by the pages (procurement/views), the API viewset and the Excel export.

Every filter narrows a queryset already scoped by procurement.queries.purchases_visible_to (or public_purchases);
none widens it. Bad values (an unknown state, a year out of range) make the FilterSet invalid: pages show the
unfiltered list with the form's errors, the API answers 400.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from accounts.fields import INDUSTRY_FIELDS

from .models import Purchase

ID = dict(min_value=1, max_value=2**63 - 1)


class PurchaseFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="search", max_length=60, label=_("编号、项目名称、产品名称、证书编号、采购人或供应商（包含即可）")
    )
    state = filters.ChoiceFilter(choices=Purchase.State.choices, label=_("状态"))
    method = filters.ChoiceFilter(choices=Purchase.Method.choices, label=_("采购方式"))
    year = filters.NumberFilter(field_name="awarded_on__year", min_value=2000, max_value=2100, label=_("成交年度"))
    field = filters.ChoiceFilter(field_name="recognition__field", choices=INDUSTRY_FIELDS, label=_("所属领域"))
    city = filters.NumberFilter(field_name="recognition__city_id", label=_("设区市（行政区划 id）"), **ID)
    signed_late = filters.BooleanFilter(field_name="contract__signed_late", label=_("超过成交后30日签订合同"))

    class Meta:
        model = Purchase
        fields = ["q", "state", "method", "year", "field", "city", "signed_late"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(recognition__product_name__icontains=value)
            | Q(recognition__certificate_number__icontains=value)
            | Q(buyer__name__icontains=value)
            | Q(supplier__name__icontains=value)
        )
