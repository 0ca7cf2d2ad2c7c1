"""Policies (保单) through the API (/api/v1/insurance/policies/): the enterprise records and changes its own with
their units; an insurer reads the policies naming it; bureau staff the policies carried by the claims they can
see. Anything outside the caller's scope answers 404."""

from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from certification.queries import is_id

from ..models import Policy, PolicyUnit
from ..queries import policies_visible_to
from ..services import policies as services
from .serializers import PolicyDetailSerializer, PolicySerializer, PolicyWriteSerializer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ID = dict(min_value=1, max_value=2**63 - 1)


class PolicyFilter(filters.FilterSet):
    recognition = filters.NumberFilter(field_name="recognition_id", label="认定 id", **ID)
    insurer = filters.NumberFilter(field_name="insurer_id", label="保险机构 id", **ID)
    year = filters.NumberFilter(field_name="starts_on__year", label="保险起期年度", min_value=2000, max_value=2100)
    q = filters.CharFilter(method="search", label="保单号或产品名称（包含即可）", max_length=60)

    class Meta:
        model = Policy
        fields = ["recognition", "insurer", "year", "q"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        value = value.strip()
        return queryset.filter(Q(policy_number__icontains=value) | Q(recognition__product_name__icontains=value))


LIST_PARAMETERS = [
    OpenApiParameter("recognition", int, description="认定 id"),
    OpenApiParameter("insurer", int, description="保险机构 id"),
    OpenApiParameter("year", int, description="保险起期年度"),
    OpenApiParameter("q", str, description="保单号或产品名称（包含即可）"),
]


def filtered_policies(request):
    """The user's policies narrowed by the request's filters; bad filters → 400."""
    fs = PolicyFilter(request.query_params, queryset=policies_visible_to(request.user), request=request)
    if not fs.is_valid():
        raise ValidationError(fs.errors)
    return fs.qs


def _with_counts(qs):
    # An aggregate drops Meta.ordering: the list's order is restated.
    return qs.annotate(unit_count=Count("units", distinct=True)).order_by("-starts_on", "-id")


@extend_schema_view(
    list=extend_schema(summary="保单列表（企业：本企业；保险机构：本机构承保；经信部门：所见补偿申请的保单）",
                       parameters=LIST_PARAMETERS),
    retrieve=extend_schema(summary="保单详情，含投保设备"),
)
class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PolicySerializer
    filter_backends = []  # filtered_policies()
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Policy.objects.none()
        return policies_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return PolicyWriteSerializer
        return PolicyDetailSerializer if self.action == "retrieve" else PolicySerializer

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(_with_counts(filtered_policies(request)))
        return self.get_paginated_response(PolicySerializer(page, many=True).data)

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        qs = _with_counts(self.get_queryset()).prefetch_related(
            Prefetch("units", queryset=PolicyUnit.objects.order_by("contract_date", "id")))
        obj = qs.filter(pk=pk).first() if is_id(pk) else None
        if obj is None:
            raise Http404
        return Response(PolicyDetailSerializer(obj).data, status=status_code)

    def retrieve(self, request, pk=None):
        return self._detail(pk)

    @extend_schema(summary="录入保单（投保企业）", request=PolicyWriteSerializer, responses={201: PolicyDetailSerializer})
    def create(self, request):
        s = PolicyWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        if "recognition" not in s.validated_data:
            raise ValidationError({"recognition": [_("必填。")]})
        data = s.service_kwargs()
        policy = services.create_policy(actor=request.user, recognition_id=s.validated_data["recognition"], **data)
        return self._detail(policy.pk, status.HTTP_201_CREATED)

    @extend_schema(summary="修改保单（投保企业；随申请提交审核后不能修改）", request=PolicyWriteSerializer,
                   responses=PolicyDetailSerializer, description="只需提交要修改的字段；units 整体替换。")
    def partial_update(self, request, pk=None):
        if not is_id(pk):
            raise Http404
        s = PolicyWriteSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        if "recognition" in s.validated_data:
            raise ValidationError({"recognition": [_("不能修改。")]})
        services.update_policy(actor=request.user, policy_id=int(pk), **s.service_kwargs())
        return self._detail(pk)


class PolicyExportView(GenericAPIView):
    """保单 in the user's scope as an Excel workbook, with the list's filters."""

    filter_backends = []
    pagination_class = None
    serializer_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Policy.objects.none()
        return policies_visible_to(self.request.user)

    @extend_schema(operation_id="insurance_policies_export_xlsx", summary="导出保单清单（Excel）",
                   parameters=LIST_PARAMETERS, responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        from ..exports import policies_workbook

        content = policies_workbook(filtered_policies(request))
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = (
            "attachment; filename=\"policies.xlsx\"; filename*=UTF-8''%E4%BF%9D%E5%8D%95%E6%B8%85%E5%8D%95.xlsx")
        response["Cache-Control"] = "private, no-store"
        return response
