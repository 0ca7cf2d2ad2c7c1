"""Review rounds (评审设置) for province staff: settings, rubric and panels; assignment (automatic and manual);
start and close; the board per expert; the ranked results and their Excel export."""

from django import forms
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from certification.models import Application

from .. import results
from ..models import Assignment, ReviewRound, ScoreSheet
from ..queries import rounds_for_staff
from ..services import assignments as assignment_services
from ..services import rounds as services
from .access import STAFF, get_or_404
from .serializers import (
    AddAssignmentSerializer,
    AssignmentSerializer,
    AutoAssignResultSerializer,
    AutoAssignSerializer,
    BoardSerializer,
    CriterionInputSerializer,
    CriterionSerializer,
    PanelInputSerializer,
    PanelSerializer,
    ResultRowSerializer,
    RoundCreateSerializer,
    RoundSerializer,
    RoundSettingsSerializer,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):
    """An id: a whole number in the database's range ("1.5" or "１" answer 400 instead of matching row 1)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class RoundFilter(filters.FilterSet):
    batch = IdFilter(field_name="batch_id", label="批次 id")
    state = filters.ChoiceFilter(choices=ReviewRound.State.choices)

    class Meta:
        model = ReviewRound
        fields = ["batch", "state"]


class AssignmentFilter(filters.FilterSet):
    application = IdFilter(field_name="application_id", label="申报书 id")
    expert = IdFilter(field_name="expert_id", label="专家（用户）id")
    state = filters.ChoiceFilter(choices=Assignment.State.choices)

    class Meta:
        model = Assignment
        fields = ["application", "expert", "state"]


def _rows(data, name):
    """A JSON list of objects, passed as is to the service (which names the faulty row: criteria.2.max_points)."""
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise ValidationError({name: [_("请提交一个列表，每项为一个对象。")]})
    return data


RESULT_PARAMETERS = [
    OpenApiParameter("panel", int, description="评审组 id：只看该组的申报"),
    OpenApiParameter("q", str, description="按产品名称、企业名称或受理编号搜索（包含即可）"),
]
ASSIGNMENT_PARAMETERS = [
    OpenApiParameter("application", int, description="申报书 id"),
    OpenApiParameter("expert", int, description="专家（用户）id"),
    OpenApiParameter("state", str, enum=Assignment.State.values, description="分配状态"),
]


@extend_schema_view(
    list=extend_schema(summary="评审设置列表", parameters=[OpenApiParameter("batch", int, description="批次 id")]),
    retrieve=extend_schema(summary="评审设置详情"),
)
class RoundViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """专家评审 of a batch, for province industry staff: its settings, rubric (criteria), panels and progress.
    Other users get 403 on the list and 404 on a round."""

    serializer_class = RoundSerializer
    permission_classes = STAFF
    filterset_class = RoundFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewRound.objects.none()
        return rounds_for_staff(self.request.user).prefetch_related("criteria", "panels")

    def list(self, request, *args, **kwargs):
        """The rounds, newest first, with their progress counted in the same query; filter by `batch`."""
        qs = self.filter_queryset(self.get_queryset()).annotate(
            progress_active=Count("assignments", filter=Q(assignments__state__in=Assignment.ACTIVE)),
            progress_submitted=Count("assignments", filter=Q(assignments__state=Assignment.State.ACCEPTED,
                                                             assignments__sheet__state=ScoreSheet.State.SUBMITTED)),
            progress_recused=Count("assignments", filter=Q(assignments__state=Assignment.State.RECUSED)),
        ).order_by("-created_at", "-id")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(RoundSerializer(page, many=True).data)

    def get_object(self):
        return get_or_404(self.get_queryset(), self.kwargs["pk"])

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        return Response(RoundSerializer(get_or_404(self.get_queryset(), pk)).data, status=status_code)

    @extend_schema(request=RoundCreateSerializer, responses={201: RoundSerializer, 200: RoundSerializer})
    def create(self, request, *args, **kwargs):
        """Create the batch's round with the default rubric and one panel per field (201); if the batch already
        has one, answer it (200)."""
        s = RoundCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        batch = s.validated_data["batch"]
        existed = ReviewRound.objects.filter(batch=batch).exists()
        rr = services.create_round(actor=request.user, batch=batch)
        return self._detail(rr.pk, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=RoundSettingsSerializer, responses=RoundSerializer)
    def partial_update(self, request, pk=None):
        """Change the settings: experts per application (3–9), aggregation, dispersion threshold, deadline."""
        rr = self.get_object()
        s = RoundSettingsSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        services.update_settings(actor=request.user, review_round=rr, **s.validated_data)
        return self._detail(rr.pk)

    @extend_schema(request=CriterionInputSerializer(many=True), responses=CriterionSerializer(many=True))
    @action(detail=True, methods=["put"], pagination_class=None)
    def criteria(self, request, pk=None):
        """Replace the rubric (only while the round is being configured). Errors are keyed
        `criteria.<row>.<field>`, rows counted from 1."""
        rr = self.get_object()
        saved = services.set_criteria(actor=request.user, review_round=rr, rows=_rows(request.data, "criteria"))
        return Response(CriterionSerializer(saved, many=True).data)

    @extend_schema(request=PanelInputSerializer(many=True), responses=PanelSerializer(many=True))
    @action(detail=True, methods=["put"], pagination_class=None)
    def panels(self, request, pk=None):
        """Replace the panels (each field in at most one panel); errors are keyed `panels.<row>.<field>`."""
        rr = self.get_object()
        saved = services.set_panels(actor=request.user, review_round=rr, rows=_rows(request.data, "panels"))
        return Response(PanelSerializer(saved, many=True).data)

    @extend_schema(request=AutoAssignSerializer, responses=AutoAssignResultSerializer)
    @action(detail=True, methods=["post"], url_path="auto-assign", pagination_class=None)
    def auto_assign(self, request, pk=None):
        """Fill every application (or the given ones) up to the configured number of experts; answers the
        number of new assignments and the applications the pool could not fill, with the reason."""
        rr = self.get_object()
        s = AutoAssignSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        ids = s.validated_data.get("applications")
        if ids is not None:
            known = set(Application.objects.filter(pk__in=ids, batch_id=rr.batch_id).values_list("pk", flat=True))
            unknown = [str(i) for i in ids if i not in known]
            if unknown:
                raise ValidationError({"applications": [_("以下申报不属于本批次：%(ids)s") % {"ids": "、".join(unknown)}]})
        out = assignment_services.auto_assign(actor=request.user, review_round=rr, application_ids=ids)
        return Response(AutoAssignResultSerializer(out).data)

    @extend_schema(request=None, responses=RoundSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start the review: applications move to expert review and the assigned experts are told."""
        rr = self.get_object()
        services.start_round(actor=request.user, review_round=rr)
        return self._detail(rr.pk)

    @extend_schema(request=None, responses=RoundSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """End the review: experts can no longer change sheets; proposals can still be recorded."""
        rr = self.get_object()
        services.close_round(actor=request.user, review_round=rr)
        return self._detail(rr.pk)

    @extend_schema(responses=BoardSerializer)
    @action(detail=True, methods=["get"], pagination_class=None)
    def board(self, request, pk=None):
        """The staff board: round totals, progress per expert, and applications short of experts."""
        rr = self.get_object()
        data = {"progress": results.progress(rr), "experts": results.board(rr),
                "understaffed": services.understaffed(rr)}
        return Response(BoardSerializer(data).data)

    def _ranking(self, rr):
        panel = None
        raw = (self.request.query_params.get("panel") or "").strip()
        if raw:
            panel = next((p for p in rr.panels.all() if str(p.pk) == raw), None)
            if panel is None:
                raise ValidationError({"panel": [_("本轮评审没有该评审组。")]})
        q = (self.request.query_params.get("q") or "").strip()[:100]
        return results.ranking(rr, panel, q)

    @extend_schema(parameters=RESULT_PARAMETERS, responses=ResultRowSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def results(self, request, pk=None):
        """The applications ranked within their panel: sheets in and pending, score (mean or trimmed mean),
        standard deviation and dispersion flag, level votes, majority and proposal. Paginated."""
        rr = self.get_object()
        page = self.paginate_queryset(self._ranking(rr))
        return self.get_paginated_response(ResultRowSerializer(page, many=True).data)

    @extend_schema(operation_id="review_rounds_results_export_xlsx", parameters=RESULT_PARAMETERS,
                   responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="results/export", pagination_class=None, filter_backends=[])
    def results_export(self, request, pk=None):
        """The results as an Excel workbook, one worksheet per panel, with the same `panel` and `q` filters."""
        from ..exports import results_workbook

        rr = self.get_object()
        response = HttpResponse(results_workbook(self._ranking(rr)), content_type=XLSX)
        response["Content-Disposition"] = (
            f"attachment; filename=\"review-results-{rr.pk}.xlsx\"; "
            "filename*=UTF-8''%E4%B8%93%E5%AE%B6%E8%AF%84%E5%AE%A1%E7%BB%93%E6%9E%9C.xlsx"
        )
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(methods=["GET"], parameters=ASSIGNMENT_PARAMETERS, responses=AssignmentSerializer(many=True))
    @extend_schema(methods=["POST"], request=AddAssignmentSerializer, responses={201: AssignmentSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def assignments(self, request, pk=None):
        """GET: the round's assignments (any state) with the expert, employer, method and sheet; filter by
        `application`, `expert`, `state`. POST: staff put one expert on one application (人工指定)."""
        rr = self.get_object()
        if request.method == "POST":
            s = AddAssignmentSerializer(data=request.data)
            s.is_valid(raise_exception=True)
            a = assignment_services.add_assignment(actor=request.user, review_round=rr,
                                                   application=s.validated_data["application"],
                                                   expert=s.validated_data["expert"])
            return Response(AssignmentSerializer(assignment_rows().get(pk=a.pk)).data, status=status.HTTP_201_CREATED)
        fs = AssignmentFilter(request.query_params, queryset=assignment_rows().filter(round=rr))
        if not fs.is_valid():
            raise ValidationError(fs.errors)
        page = self.paginate_queryset(fs.qs.order_by("application__number", "application_id", "id"))
        return self.get_paginated_response(AssignmentSerializer(page, many=True).data)


def assignment_rows():
    """Assignments with everything staff's row shows, in one query."""
    return Assignment.objects.select_related("application__enterprise", "expert__expert_profile__employer", "sheet")
