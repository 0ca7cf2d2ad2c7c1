"""The public catalogue (推广应用指导目录) and the batch summary through the API.

GET /api/v1/catalogue/ (public): valid recognitions, paginated, with the page's search and filters; a refused
filter answers 400 with the field named (config.api error format), never a wider list. The rows are read in one
statement with their city (a constant number of queries per page).
GET /api/v1/recognition/summary/?batch=|year= (province staff): the counts with their scope stated.
"""

from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from accounts.fields import INDUSTRY_FIELDS
from certification.catalogue import Category, Level

from ..exports import XLSX, catalogue_workbook, summary_workbook
from ..models import Recognition
from ..queries import CatalogueFilterForm, catalogue_queryset, verify_path
from ..summary import SummaryScopeForm, batch_summary, can_view_summary

LEVEL_LABELS = dict(Level.choices)
CATEGORY_LABELS = dict(Category.choices)
FIELD_LABELS = dict(INDUSTRY_FIELDS)

CATALOGUE_PARAMETERS = [
    OpenApiParameter("q", str, description="按产品名称、型号规格、企业名称或证书编号搜索（包含即可）"),
    OpenApiParameter("year", int, description="认定年度"),
    OpenApiParameter("level", str, enum=Level.values),
    OpenApiParameter("category", str, enum=Category.values),
    OpenApiParameter("field", str, enum=[code for code, _label in INDUSTRY_FIELDS]),
    OpenApiParameter("city", int, description="设区市（行政区划 id）"),
]


def _filter_form(request):
    form = CatalogueFilterForm(request.query_params)
    if form.refused():
        raise ValidationError(form.errors)
    return form


class CatalogueEntrySerializer(serializers.ModelSerializer):
    level_label = serializers.SerializerMethodField()
    category_label = serializers.SerializerMethodField()
    field_label = serializers.SerializerMethodField()
    city = serializers.IntegerField(source="city_id")
    city_name = serializers.CharField(source="city.name")
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Recognition
        fields = ["certificate_number", "product_name", "model_spec", "enterprise_name", "level", "level_label",
                  "category", "category_label", "field", "field_label", "city", "city_name", "year", "valid_until",
                  "verify_url"]

    def get_level_label(self, obj) -> str:
        return str(LEVEL_LABELS.get(obj.level, ""))

    def get_category_label(self, obj) -> str:
        return str(CATEGORY_LABELS.get(obj.category, ""))

    def get_field_label(self, obj) -> str:
        return str(FIELD_LABELS.get(obj.field, ""))

    def get_verify_url(self, obj) -> str:
        request = self.context.get("request")
        path = verify_path(obj.certificate_number)
        return request.build_absolute_uri(path) if request is not None else path


@extend_schema(parameters=CATALOGUE_PARAMETERS)
class CatalogueView(ListAPIView):
    """推广应用指导目录: recognitions valid today (expired and revoked never listed), newest year first, then level
    (international, domestic, provincial) and certificate sequence. Public."""

    permission_classes = [permissions.AllowAny]
    serializer_class = CatalogueEntrySerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Recognition.objects.none()
        return _filter_form(self.request).apply(catalogue_queryset())


class CatalogueExportView(GenericAPIView):
    """The catalogue with the same filters as an Excel workbook. Public."""

    permission_classes = [permissions.AllowAny]
    filter_backends = []
    pagination_class = None
    serializer_class = None

    @extend_schema(operation_id="catalogue_export_xlsx", parameters=CATALOGUE_PARAMETERS,
                   responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        form = _filter_form(request)
        today = timezone.localdate()
        content = catalogue_workbook(form.apply(catalogue_queryset(today)), scope=form.scope_text(), today=today)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = (
            "attachment; filename=\"catalogue.xlsx\"; filename*=UTF-8''"
            + quote(str(_("推广应用指导目录")) + today.strftime("%Y%m%d") + ".xlsx")
        )
        return response


class SummaryStaff(permissions.BasePermission):
    message = _("只有省经信厅工作人员可以查看认定结果汇总。")

    def has_permission(self, request, view):
        return can_view_summary(request.user)


SUMMARY_PARAMETERS = [
    OpenApiParameter("batch", int, description="批次 id（与 year 二选一）"),
    OpenApiParameter("year", int, description="年度：该年度全部批次（与 batch 二选一）"),
]

_line = inline_serializer("SummaryLine", {"code": serializers.CharField(), "label": serializers.CharField(),
                                          "count": serializers.IntegerField(),
                                          "levels": serializers.DictField(child=serializers.IntegerField())})


def _summary(request):
    form = SummaryScopeForm(request.query_params)
    if not form.is_valid():
        raise ValidationError(form.errors)
    return batch_summary(batch=form.cleaned_data["batch"], year=form.cleaned_data["year"])


def _lines(summary, lines, per_level):
    codes = [line.code for line in summary.by_level if line.code != "other"]
    out = []
    for line in lines:
        row = {"code": line.code, "label": line.label, "count": line.count}
        if per_level:
            row["levels"] = dict(zip(codes, line.levels, strict=True))
        out.append(row)
    return out


def summary_data(summary):
    """The summary as JSON: the scope (text and parts), the totals, each breakdown, the revoked rows."""
    statuses = {s: summary.statuses.get(s, 0) for s in (Recognition.Status.VALID, Recognition.Status.EXPIRED)}
    return {
        "scope": {
            "text": summary.scope_text,
            "lines": summary.scope_lines,
            "batch": summary.batch.pk if summary.batch else None,
            "batches": [{"id": b.pk, "name": b.name} for b in summary.batches],
            "year": summary.year,
            "categories": summary.categories,
            "counted_statuses": list(statuses),
            "excluded_statuses": [Recognition.Status.REVOKED.value],
            "generated_at": timezone.localtime(summary.generated_at).isoformat(),
        },
        "total": summary.total,
        "by_status": statuses,
        "by_level": _lines(summary, summary.by_level, False),
        "by_city": [{**row, "id": row["code"]} for row in _lines(summary, summary.by_city, True)],
        "by_field": _lines(summary, summary.by_field, True),
        "by_category": _lines(summary, summary.by_category, False),
        "revoked": [
            {"certificate_number": r.certificate_number, "product_name": r.product_name,
             "enterprise_name": r.enterprise_name, "level": r.level,
             "revoked_at": timezone.localtime(r.revoked_at).isoformat() if r.revoked_at else None,
             "revocation_document": r.revocation_document}
            for r in summary.revoked
        ],
    }


class SummaryView(GenericAPIView):
    """认定结果汇总 of one batch or one year (province staff): counts by level, city (all 11), field (all ten) and
    category; valid and expired recognitions counted, revoked ones listed apart; the scope stated."""

    permission_classes = [permissions.IsAuthenticated, SummaryStaff]
    filter_backends = []
    pagination_class = None
    serializer_class = None

    @extend_schema(operation_id="recognition_summary", parameters=SUMMARY_PARAMETERS,
                   responses=inline_serializer("RecognitionSummary", {
                       "scope": serializers.DictField(), "total": serializers.IntegerField(),
                       "by_status": serializers.DictField(child=serializers.IntegerField()),
                       "by_level": _line, "by_city": _line, "by_field": _line, "by_category": _line,
                       "revoked": serializers.ListField(child=serializers.DictField()),
                   }))
    def get(self, request):
        return Response(summary_data(_summary(request)))


class SummaryExportView(GenericAPIView):
    """The summary as an Excel workbook, its scope on top (province staff)."""

    permission_classes = [permissions.IsAuthenticated, SummaryStaff]
    filter_backends = []
    pagination_class = None
    serializer_class = None

    @extend_schema(operation_id="recognition_summary_export_xlsx", parameters=SUMMARY_PARAMETERS,
                   responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        response = HttpResponse(summary_workbook(_summary(request)), content_type=XLSX)
        response["Content-Disposition"] = (
            "attachment; filename=\"summary.xlsx\"; filename*=UTF-8''"
            + quote(str(_("认定结果汇总")) + ".xlsx")
        )
        return response
