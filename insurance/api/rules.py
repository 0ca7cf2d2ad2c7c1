"""Compensation rule sets through the API (/api/v1/insurance/rule-sets/).

Every signed-in user reads them (they are published policy); province industry staff create a year's rule set
and change it. A change never edits a version: PATCH answers the new version (a new id) and the old one stays in
the history, so claims approved under it keep it.
"""

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from certification.queries import is_id

from ..models import RuleSet
from ..services import rules as services
from .serializers import RuleSetChangeSerializer, RuleSetCreateSerializer, RuleSetSerializer


class RuleSetFilter(filters.FilterSet):
    year = filters.NumberFilter(field_name="year", min_value=2000, max_value=2100, label="年度")
    batch = filters.NumberFilter(field_name="batch_id", min_value=1, max_value=2**63 - 1, label="批次 id")
    current = filters.BooleanFilter(field_name="current", label="仅现行版本")

    class Meta:
        model = RuleSet
        fields = ["year", "batch", "current"]


def _base():
    return RuleSet.objects.select_related("batch", "created_by")


@extend_schema_view(
    list=extend_schema(summary="补偿规则各版本（可按年度、批次、现行版本筛选）"),
    retrieve=extend_schema(summary="补偿规则的一个版本"),
)
class RuleSetViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RuleSetSerializer
    filterset_class = RuleSetFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return _base()

    def get_serializer_class(self):
        if self.action == "create":
            return RuleSetCreateSerializer
        if self.action == "partial_update":
            return RuleSetChangeSerializer
        return RuleSetSerializer

    def _fresh(self, pk):
        return _base().get(pk=pk)

    @extend_schema(
        summary="某年度（或批次）的现行补偿规则",
        parameters=[OpenApiParameter("year", int, required=True, description="年度"),
                    OpenApiParameter("batch", int, description="批次 id：该批次有专门规则时用它，否则用全年规则")],
        responses=RuleSetSerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def current(self, request):
        year, batch = request.query_params.get("year", ""), request.query_params.get("batch") or None
        if not is_id(year, digits=4):
            raise ValidationError({"year": [_("请填写年度。")]})
        if batch is not None and not is_id(batch):
            raise ValidationError({"batch": [_("批次 id 无效。")]})
        found = services.current_rule_set(int(year), int(batch) if batch else None)
        if found is None:
            raise Http404
        return Response(RuleSetSerializer(self._fresh(found.pk)).data)

    @extend_schema(summary="该规则所属年度（批次）的全部版本，新版本在前", responses=RuleSetSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        rs = self.get_object()
        batch = Q(batch__isnull=True) if rs.batch_id is None else Q(batch_id=rs.batch_id)
        rows = _base().filter(batch, year=rs.year).order_by("-version")
        return Response(RuleSetSerializer(rows, many=True).data)

    @extend_schema(summary="新建年度（或批次）补偿规则（省经信厅）", request=RuleSetCreateSerializer,
                   responses={201: RuleSetSerializer, 200: RuleSetSerializer},
                   description="未给出的规则取默认值；该年度（批次）已有现行规则时不新建，返回现行版本（200）。")
    def create(self, request, *args, **kwargs):
        services.require_province_staff(request.user)
        s = RuleSetCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        year, batch = data.pop("year"), data.pop("batch", None)
        existed = RuleSet.objects.filter(year=year, batch=batch, current=True).exists()
        rs = services.create_rule_set(actor=request.user, year=year, batch=batch, **data)
        return Response(RuleSetSerializer(self._fresh(rs.pk)).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(summary="修改补偿规则：生成新版本（省经信厅）", request=RuleSetChangeSerializer,
                   responses=RuleSetSerializer,
                   description="只能在现行版本上修改；返回新版本（新的 id），原版本保留在历史中。")
    def partial_update(self, request, *args, **kwargs):
        rs = self.get_object()
        services.require_province_staff(request.user)
        s = RuleSetChangeSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        if not s.validated_data:
            raise ValidationError({"non_field_errors": [_("没有要修改的规则。")]})
        new = services.update_rule_set(request.user, rs.pk, **s.validated_data)
        return Response(RuleSetSerializer(self._fresh(new.pk)).data)
