"""API of notices and objections. Staff (province industry staff; 403 on collections, 404 on objects for anyone
else): notices (create, edit while draft, publish, close, items with objection counts, PDF) and objections (list,
detail, investigate, uphold, dismiss, evidence). The public (no login): published notices, filing an objection
(rate-limited per address, shared with the web form) and its status by tracking number and phone."""

from django.db.models import Count, Exists, OuterRef, Q
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.middleware import client_ip
from config import ratelimit
from review.api.access import ReviewStaffCollection, get_or_404
from review.queries import is_review_staff

from ..models import Notice, NoticeItem, Objection
from ..pdf_notice import pdf_filename, render_notice_pdf
from ..services import notices as services
from ..services import objections as objection_services
from ..views.notices import filter_objections
from ..views.public_notices import ATTEMPT_LIMIT, OBJECTION_LIMIT, STATUS_LIMIT
from ..workdays import calendar_warnings, unknown_years_between
from .notice_serializers import (
    DismissSerializer,
    NoticeCreateSerializer,
    NoticeSerializer,
    NoticeUpdateSerializer,
    ObjectionReceiptSerializer,
    ObjectionSerializer,
    ObjectionStatusSerializer,
    PublicNoticeDetailSerializer,
    PublicNoticeSerializer,
    PublicObjectionSerializer,
    StaffNoticeItemSerializer,
    StatusQuerySerializer,
    UpholdSerializer,
)


class NoticeStaff(ReviewStaffCollection):
    message = _("只有省经信厅工作人员可以管理公示和异议。")


STAFF = [permissions.IsAuthenticated, NoticeStaff]
PDF_RESPONSE = {(200, "application/pdf"): OpenApiTypes.BINARY}


def _pdf(notice):
    response = HttpResponse(render_notice_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(notice)}"'
    return response


def _annotated_notices():
    return Notice.objects.select_related("batch").annotate(
        item_count=Count("items", distinct=True),
        open_objection_count=Count("items__objections", distinct=True,
                                   filter=Q(items__objections__state__in=Objection.OPEN)),
    )


class NoticeFilter(filters.FilterSet):
    batch = filters.NumberFilter(field_name="batch_id", label="批次 id", min_value=1, max_value=2**63 - 1)
    state = filters.ChoiceFilter(choices=Notice.State.choices)

    class Meta:
        model = Notice
        fields = ["batch", "state"]


@extend_schema_view(list=extend_schema(summary="公示列表（工作人员）"), retrieve=extend_schema(summary="公示详情（工作人员）"))
class NoticeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = NoticeSerializer
    permission_classes = STAFF
    filterset_class = NoticeFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not is_review_staff(self.request.user):
            return Notice.objects.none()
        return _annotated_notices().order_by("-created_at", "-id")

    def get_object(self):
        return get_or_404(self.get_queryset(), self.kwargs["pk"])

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        notice = get_or_404(self.get_queryset(), pk)
        notice.calendar_warnings = calendar_warnings(unknown_years_between(notice.starts_at, notice.ends_at))
        notice.actions = services.available_actions(notice, self.request.user)
        return Response(NoticeSerializer(notice).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        for notice in page:
            notice.calendar_warnings = []
            notice.actions = services.available_actions(notice, request.user)
        return self.get_paginated_response(NoticeSerializer(page, many=True).data)

    @extend_schema(request=NoticeCreateSerializer, responses={201: NoticeSerializer})
    def create(self, request, *args, **kwargs):
        """A draft notice listing every application of the batch in state "proposed" at its proposed level."""
        s = NoticeCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        notice = services.create_notice(actor=request.user, **s.validated_data)
        return self._detail(notice.pk, status.HTTP_201_CREATED)

    @extend_schema(request=NoticeUpdateSerializer, responses=NoticeSerializer)
    def partial_update(self, request, pk=None):
        """Change a draft (the end is counted again; the items follow the batch's current proposals)."""
        notice = self.get_object()
        s = NoticeUpdateSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        services.update_notice(actor=request.user, notice_id=notice.pk, **s.validated_data)
        return self._detail(notice.pk)

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        notice = self.get_object()
        services.publish_notice(actor=request.user, notice_id=notice.pk)
        return self._detail(notice.pk)

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """End a published notice whose period is over (beat does it within a minute anyway)."""
        notice = self.get_object()
        services.close_notice(actor=request.user, notice_id=notice.pk)
        return self._detail(notice.pk)

    @extend_schema(responses=StaffNoticeItemSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def items(self, request, pk=None):
        """The items with their objection counts and whether they may be recognised now."""
        notice = self.get_object()
        ready = objection_services.items_ready_for_recognition(notice).filter(pk=OuterRef("pk"))
        rows = (notice.items.select_related("application__enterprise").annotate(
            objection_count=Count("objections"),
            open_objection_count=Count("objections", filter=Q(objections__state__in=Objection.OPEN)),
            ready_for_recognition=Exists(ready),
        ).order_by("position", "id"))
        return Response(StaffNoticeItemSerializer(rows, many=True).data)

    @extend_schema(responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def pdf(self, request, pk=None):
        return _pdf(self.get_object())


class ObjectionFilter(filters.FilterSet):
    notice = filters.NumberFilter(field_name="item__notice_id", label="公示 id", min_value=1, max_value=2**63 - 1)
    state = filters.ChoiceFilter(choices=Objection.State.choices)
    q = filters.CharFilter(method="search", label="受理编号、异议人、单位、企业或产品（包含即可）")

    class Meta:
        model = Objection
        fields = ["notice", "state", "q"]

    def search(self, queryset, name, value):
        return filter_objections(queryset, q=value.strip()[:100])


@extend_schema_view(list=extend_schema(summary="异议列表"), retrieve=extend_schema(summary="异议详情"))
class ObjectionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ObjectionSerializer
    permission_classes = STAFF
    filterset_class = ObjectionFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Objection.objects.none()
        return objection_services.objections_for_staff(self.request.user).order_by("-created_at", "-id")

    def get_object(self):
        return get_or_404(self.get_queryset(), self.kwargs["pk"])

    def _detail(self, pk):
        return Response(ObjectionSerializer(get_or_404(self.get_queryset(), pk),
                                            context={"request": self.request}).data)

    @extend_schema(request=None, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        o = self.get_object()
        objection_services.start_investigation(actor=request.user, objection_id=o.pk)
        return self._detail(o.pk)

    @extend_schema(request=UpholdSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def uphold(self, request, pk=None):
        """异议成立: remove the item from this round, or change its level (new_level); a reply is required."""
        o = self.get_object()
        s = UpholdSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        objection_services.uphold(actor=request.user, objection_id=o.pk, **s.validated_data)
        return self._detail(o.pk)

    @extend_schema(request=DismissSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """异议不成立, with a reply to the objector."""
        o = self.get_object()
        s = DismissSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        objection_services.dismiss(actor=request.user, objection_id=o.pk, reply=s.validated_data["reply"])
        return self._detail(o.pk)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def evidence(self, request, pk=None):
        """The evidence file (audited download)."""
        o = self.get_object()
        objection, handle = objection_services.open_evidence(actor=request.user, objection_id=o.pk)
        response = FileResponse(handle, as_attachment=True, filename=objection.evidence_name,
                                content_type=objection_services.evidence_content_type(objection))
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


# --- the public --------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="公示列表（公开）"), retrieve=extend_schema(summary="公示详情（公开）"))
class PublicNoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Published (period started) and closed notices, for anyone."""

    permission_classes = [permissions.AllowAny]
    serializer_class = PublicNoticeSerializer
    filter_backends = []

    def get_queryset(self):
        return objection_services.public_notices().order_by("-starts_at", "-id")

    def get_object(self):
        return get_or_404(self.get_queryset(), self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        for notice in page:
            notice.accepting_objections = objection_services.accepting_objections(notice)
        return self.get_paginated_response(PublicNoticeSerializer(page, many=True).data)

    @extend_schema(responses=PublicNoticeDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        notice = self.get_object()
        notice.accepting_objections = objection_services.accepting_objections(notice)
        notice.item_rows = notice.items.select_related("application__enterprise").order_by("position", "id")
        return Response(PublicNoticeDetailSerializer(notice).data)

    @extend_schema(responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"], pagination_class=None)
    def pdf(self, request, pk=None):
        return _pdf(self.get_object())


def _throttle(request, scope, limit):
    if not ratelimit.allow(request, scope, limit=limit[0], window=limit[1]):
        raise Throttled(detail=_("操作过于频繁，请一小时后再试。"))


class PublicObjectionView(APIView):
    """File an objection against a listed item of a notice in its period (anyone; 5 per hour per address)."""

    permission_classes = [permissions.AllowAny]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(summary="提出异议", request={"multipart/form-data": PublicObjectionSerializer,
                                            "application/json": PublicObjectionSerializer},
                   responses={201: ObjectionReceiptSerializer})
    def post(self, request):
        # Filed objections count against the limit; attempts (mistakes included) have a looser one.
        _throttle(request, "objection_attempt", ATTEMPT_LIMIT)
        if ratelimit.exhausted(request, "objection", limit=OBJECTION_LIMIT[0], window=OBJECTION_LIMIT[1]):
            raise Throttled(detail=_("操作过于频繁，请一小时后再试。"))
        s = PublicObjectionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        if not NoticeItem.objects.filter(pk=data["item"], notice__in=objection_services.public_notices()).exists():
            raise NotFound(_("公示项目不存在。"))
        o = objection_services.submit_objection(item_id=data.pop("item"), evidence=data.pop("evidence", None),
                                                ip=client_ip(request), **data)
        ratelimit.allow(request, "objection", limit=OBJECTION_LIMIT[0], window=OBJECTION_LIMIT[1])
        return Response(ObjectionReceiptSerializer({
            "tracking_number": o.tracking_number, "state": o.state, "state_label": o.get_state_display(),
            "created_at": o.created_at}).data, status=status.HTTP_201_CREATED)


class PublicObjectionStatusView(APIView):
    """An objection's state (and reply once decided) by tracking number and phone; both must match (404
    otherwise). POST keeps the phone out of URLs and logs."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="查询异议处理结果", request=StatusQuerySerializer, responses=ObjectionStatusSerializer)
    def post(self, request):
        _throttle(request, "objection_status", STATUS_LIMIT)
        s = StatusQuerySerializer(data=request.data)
        s.is_valid(raise_exception=True)
        o = objection_services.find_by_tracking(**s.validated_data)
        if o is None:
            raise NotFound(_("未找到与该受理编号和联系电话相符的异议。"))
        return Response(ObjectionStatusSerializer(o).data)
