"""首购统计 through the API (/api/v1/procurement/stats/): first purchases by award year and field with the amounts,
the scope stated (procurement/statistics.py); province-level staff of any department, 403 for anyone else."""

from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ..exports import XLSX, statistics_workbook
from ..statistics import StatisticsYearForm, can_view_statistics, first_purchase_statistics, statistics_data


class StatisticsStaff(permissions.BasePermission):
    message = _("只有省级部门工作人员可以查看首购统计。")

    def has_permission(self, request, view):
        return can_view_statistics(request.user)


PARAMETERS = [OpenApiParameter("year", int, description="成交年度；为空时统计全部年度")]

_row = inline_serializer(
    "PurchaseStatisticsRow",
    {
        "field": serializers.CharField(),
        "label": serializers.CharField(),
        "count": serializers.IntegerField(),
        "amount": serializers.DecimalField(max_digits=18, decimal_places=2),
    },
)


def _statistics(request):
    form = StatisticsYearForm(request.query_params)
    if not form.is_valid():
        raise ValidationError(form.errors)
    return first_purchase_statistics(year=form.cleaned_data["year"])


class PurchaseStatisticsView(GenericAPIView):
    """Counted: awarded, contracted and completed purchases, by the year of the award date and the recognised
    product's field (all ten listed, zeros included); amount: the contract's once signed, else the award's."""

    permission_classes = [permissions.IsAuthenticated, StatisticsStaff]
    filter_backends = []
    pagination_class = None
    serializer_class = None

    @extend_schema(
        operation_id="procurement_statistics",
        summary="首购统计（省级部门）：按成交年度和所属领域的项目数与金额",
        parameters=PARAMETERS,
        responses=inline_serializer(
            "PurchaseStatistics",
            {
                "scope": serializers.DictField(),
                "count": serializers.IntegerField(),
                "amount": serializers.DecimalField(max_digits=18, decimal_places=2),
                "by_state": serializers.DictField(child=serializers.IntegerField()),
                "not_counted": serializers.DictField(child=serializers.IntegerField()),
                "years": inline_serializer(
                    "PurchaseStatisticsYear",
                    {
                        "year": serializers.IntegerField(),
                        "count": serializers.IntegerField(),
                        "amount": serializers.DecimalField(max_digits=18, decimal_places=2),
                        "rows": _row,
                    },
                    many=True,
                ),
                "by_field": _row,
            },
        ),
    )
    def get(self, request):
        return Response(statistics_data(_statistics(request)))


class PurchaseStatisticsExportView(GenericAPIView):
    """The statistics as an Excel workbook, the scope on top (province-level staff)."""

    permission_classes = [permissions.IsAuthenticated, StatisticsStaff]
    filter_backends = []
    pagination_class = None
    serializer_class = None

    @extend_schema(
        operation_id="procurement_statistics_export_xlsx",
        summary="导出首购统计（Excel）",
        parameters=PARAMETERS,
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request):
        response = HttpResponse(statistics_workbook(_statistics(request)), content_type=XLSX)
        response["Content-Disposition"] = (
            "attachment; filename=\"purchase-statistics.xlsx\"; filename*=UTF-8''" + quote(_("首购统计") + ".xlsx")
        )
        response["Cache-Control"] = "private, no-store"
        return response
