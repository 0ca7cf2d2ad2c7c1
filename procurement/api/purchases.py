"""首购项目 through the API (/api/v1/procurement/purchases/ and public/purchases/).

Scoped by procurement.queries.purchases_visible_to: the buyer's users their organisation's purchases (drafts
included), the supplier enterprise its products' purchases past draft, province-level bureaus every purchase past
draft, a city or county industry bureau those of its area's recognised products; anything else answers 404. Each
purchase lists the actions the user may take now (procurement.workflow.available_actions); the actions are the
services of procurement.services, which check the table again under the row lock: a user who sees the purchase
but does not act for its buyer gets 403, a refused value 400 naming the field.

Buyer organisations (buyers/): province industry staff list and register them; they and a buyer organisation's
admin read its members, invite users and send an invitation again (procurement.services.buyers).

The public (no login) reads the purchases of procurement.queries.public_purchases (a published notice or an
award), never an objector's identity nor a private document, and files objections while a notice runs
(rate-limited per address, like the recognition notices' objections).
"""

from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership, Organisation, Region
from audit.middleware import client_ip
from certification.queries import is_id
from config import ratelimit

from ..exports import XLSX, purchases_workbook, with_objection_count
from ..filters import PurchaseFilter
from ..models import PurchaseDocument, PurchaseObjection
from ..queries import is_buyer_of, public_purchases, purchases_visible_to
from ..views.public import ATTEMPT_LIMIT, OBJECTION_LIMIT, STATUS_LIMIT
from .serializers import (
    BuyerDetailSerializer,
    BuyerInviteSerializer,
    BuyerResendSerializer,
    BuyerSerializer,
    BuyerWriteSerializer,
    NoticePreviewQuerySerializer,
    NoticePreviewSerializer,
    PublicPurchaseDetailSerializer,
    PublicPurchaseObjectionSerializer,
    PublicPurchaseSerializer,
    PurchaseAwardWriteSerializer,
    PurchaseCancelSerializer,
    PurchaseContractWriteSerializer,
    PurchaseDeliverySerializer,
    PurchaseDetailSerializer,
    PurchaseDocumentSerializer,
    PurchaseDocumentUploadSerializer,
    PurchaseJustifySerializer,
    PurchaseNoticeWriteSerializer,
    PurchaseObjectionReceiptSerializer,
    PurchaseObjectionStatusQuerySerializer,
    PurchaseObjectionStatusSerializer,
    PurchaseSerializer,
    PurchaseWriteSerializer,
)

# Filed objections count against the first scope; attempts (mistakes included) against the looser second; status
# look-ups against the third. Per address, shared with the public pages (views/public.py, the same limits).
OBJECTION_SCOPE = "purchase_objection"
ATTEMPT_SCOPE = "purchase_objection_attempt"
STATUS_SCOPE = "purchase_objection_status"
PDF = {(200, "application/pdf"): OpenApiTypes.BINARY}
DOCUMENT_ID = [OpenApiParameter("document_id", int, OpenApiParameter.PATH)]


def _services():
    """The services (imported late: written beside this module, and they import the models' app)."""
    from ..services import awards, documents, notices, objections, purchases

    return purchases, notices, objections, awards, documents


def detail_queryset(qs):
    """What a detail reads besides the purchase's joins: the notice's experts, objections and justifications, and
    the documents (a constant number of queries)."""
    return qs.prefetch_related(
        "notice__experts",
        Prefetch("notice__objections", queryset=PurchaseObjection.objects.order_by("created_at", "id")),
        "notice__justifications",
        "documents",
    )


def list_queryset(qs):
    # The objections counted by a subquery; the list's order stated (a filter's joins must not reorder it).
    return with_objection_count(qs).order_by("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="首购项目列表（采购人：本单位；供应商：本企业产品；省级部门：全部；市县经信局：本地区产品；"
        "草稿仅采购人可见）"
    ),
    retrieve=extend_schema(
        summary="首购项目详情：认定、单一来源公示与专家、异议、补充论证、成交、合同、材料、可执行操作"
    ),
)
class PurchaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PurchaseSerializer
    filterset_class = PurchaseFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = "[0-9]{1,18}"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return purchases_visible_to(None)
        return purchases_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "create" or self.action == "partial_update":
            return PurchaseWriteSerializer
        if self.action == "list":
            return PurchaseSerializer
        return PurchaseDetailSerializer

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(list_queryset(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(
            PurchaseSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        purchase = detail_queryset(list_queryset(self.get_queryset())).filter(pk=pk).first() if is_id(pk) else None
        if purchase is None:
            raise Http404
        context = {**self.get_serializer_context(), "is_buyer": is_buyer_of(self.request.user, purchase)}
        return Response(PurchaseDetailSerializer(purchase, context=context).data, status=status_code)

    def _id(self):
        """The purchase's id if the user can see it; 404 otherwise (existence does not leak)."""
        pk = self.kwargs["pk"]
        if not is_id(pk) or not self.get_queryset().filter(pk=pk).exists():
            raise Http404
        return int(pk)

    def retrieve(self, request, pk=None):
        return self._detail(pk)

    @extend_schema(
        summary="新建首购项目草稿（采购人）：认定须今日有效，否则说明理由",
        request=PurchaseWriteSerializer,
        responses={201: PurchaseDetailSerializer},
    )
    def create(self, request):
        s = PurchaseWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        purchase = _services()[0].create_purchase(actor=request.user, **s.service_kwargs())
        return self._detail(purchase.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改草稿（采购人）：只提交要修改的字段",
        request=PurchaseWriteSerializer,
        responses=PurchaseDetailSerializer,
    )
    def partial_update(self, request, pk=None):
        purchase_id = self._id()
        s = PurchaseWriteSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        changes = s.service_kwargs()
        if "buyer_id" in changes:
            return Response(
                {
                    "error": {
                        "code": "invalid",
                        "message": _("采购人不能修改。"),
                        "fields": {"buyer": [_("采购人不能修改。")]},
                    }
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        _services()[0].update_purchase(actor=request.user, purchase_id=purchase_id, **changes)
        return self._detail(purchase_id)

    @extend_schema(
        summary="保存单一来源公示（采购人，草稿时）：理由、论证意见、异议受理方式、论证专家、公示期",
        request=PurchaseNoticeWriteSerializer,
        responses=PurchaseDetailSerializer,
    )
    @action(detail=True, methods=["put"])
    def notice(self, request, pk=None):
        purchase_id = self._id()
        s = PurchaseNoticeWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        _services()[1].save_notice(actor=request.user, purchase_id=purchase_id, **s.service_kwargs())
        return self._detail(purchase_id)

    @extend_schema(
        summary="公示期预览：按开始时间和工作日数（法定节假日安排）计算结束时间",
        parameters=[NoticePreviewQuerySerializer],
        responses=NoticePreviewSerializer,
    )
    @action(detail=False, methods=["get"], url_path="notice-preview", pagination_class=None, filter_backends=[])
    def notice_preview(self, request):
        s = NoticePreviewQuerySerializer(data=request.query_params)
        s.is_valid(raise_exception=True)
        starts_at = s.validated_data["starts_at"] or timezone.now()
        period = _services()[1].notice_preview(starts_at, s.validated_data["working_days"])
        return Response(
            NoticePreviewSerializer(
                {
                    "starts_at": starts_at,
                    "ends_at": period.ends_at,
                    "last_day": period.last_day,
                    "warnings": period.warnings,
                }
            ).data
        )

    @extend_schema(
        summary="发布单一来源公示（采购人）：公示期不少于5个工作日，按法定节假日安排计算结束时间",
        request=None,
        responses=PurchaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="publish-notice")
    def publish_notice(self, request, pk=None):
        purchase_id = self._id()
        _services()[1].publish_notice(actor=request.user, purchase_id=purchase_id)
        return self._detail(purchase_id)

    @extend_schema(
        summary="终止采购（采购人，成交前）：须填写理由",
        request=PurchaseCancelSerializer,
        responses=PurchaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        purchase_id = self._id()
        s = PurchaseCancelSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        _services()[0].cancel_purchase(actor=request.user, purchase_id=purchase_id, **s.validated_data)
        return self._detail(purchase_id)

    @extend_schema(
        summary="补充论证（采购人）：答复本公示待补充论证的异议",
        request=PurchaseJustifySerializer,
        responses=PurchaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def justify(self, request, pk=None):
        purchase_id = self._id()
        s = PurchaseJustifySerializer(data=request.data)
        s.is_valid(raise_exception=True)
        _services()[2].add_justification(actor=request.user, purchase_id=purchase_id, **s.validated_data)
        return self._detail(purchase_id)

    @extend_schema(
        summary="确定成交（采购人）：无待补充论证的异议，认定在成交日期有效",
        request=PurchaseAwardWriteSerializer,
        responses=PurchaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        purchase_id = self._id()
        s = PurchaseAwardWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        _services()[3].record_award(actor=request.user, purchase_id=purchase_id, **s.validated_data)
        return self._detail(purchase_id)

    @extend_schema(
        summary="录入合同（采购人）：超过成交后30日签订的标记为超期签订",
        request=PurchaseContractWriteSerializer,
        responses=PurchaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def contract(self, request, pk=None):
        purchase_id = self._id()
        s = PurchaseContractWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        _services()[3].record_contract(actor=request.user, purchase_id=purchase_id, **s.validated_data)
        return self._detail(purchase_id)

    @extend_schema(
        summary="录入交付与验收（采购人）：验收后项目完成",
        request=PurchaseDeliverySerializer,
        responses=PurchaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def delivery(self, request, pk=None):
        purchase_id = self._id()
        s = PurchaseDeliverySerializer(data=request.data)
        s.is_valid(raise_exception=True)
        _services()[3].record_delivery(actor=request.user, purchase_id=purchase_id, **s.validated_data)
        return self._detail(purchase_id)

    @extend_schema(
        methods=["GET"], summary="材料列表（不公开）", request=None, responses=PurchaseDocumentSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="上传材料（采购人，成交后；multipart：type、file；PDF）",
        request={"multipart/form-data": PurchaseDocumentUploadSerializer},
        responses={201: PurchaseDocumentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
        filter_backends=[],
    )
    def documents(self, request, pk=None):
        purchase_id = self._id()
        if request.method == "GET":
            rows = PurchaseDocument.objects.filter(purchase_id=purchase_id, removed_at__isnull=True)
            return Response(PurchaseDocumentSerializer(rows, many=True).data)
        s = PurchaseDocumentUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        document = _services()[4].upload_document(
            actor=request.user,
            purchase_id=purchase_id,
            type=s.validated_data["type"],
            uploaded_file=s.validated_data["file"],
        )
        return Response(PurchaseDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary="下载材料（PDF，不公开）", responses=PDF, parameters=DOCUMENT_ID)
    @extend_schema(
        methods=["DELETE"],
        summary="移除材料（采购人，验收前）",
        request=None,
        responses={204: None},
        parameters=DOCUMENT_ID,
    )
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path=r"documents/(?P<document_id>[0-9]{1,18})",
        url_name="document",
        pagination_class=None,
        filter_backends=[],
    )
    def document(self, request, pk=None, document_id=None):
        purchase_id = self._id()
        if not PurchaseDocument.objects.filter(pk=document_id, purchase_id=purchase_id).exists():
            raise Http404
        documents = _services()[4]
        if request.method == "DELETE":
            if not PurchaseDocument.objects.filter(pk=document_id, removed_at__isnull=True).exists():
                raise Http404
            documents.remove_document(actor=request.user, document_id=int(document_id))
            return Response(status=status.HTTP_204_NO_CONTENT)
        document, handle = documents.open_document(actor=request.user, document_id=int(document_id))
        response = FileResponse(handle, as_attachment=True, content_type="application/pdf", filename=document.name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class PurchaseExportView(GenericAPIView):
    """首购项目 in the user's scope as an Excel workbook, with the list's filters."""

    filterset_class = PurchaseFilter
    pagination_class = None
    serializer_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return purchases_visible_to(None)
        return purchases_visible_to(self.request.user)

    @extend_schema(
        operation_id="procurement_purchases_export_xlsx",
        summary="导出首购项目清单（Excel）",
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request):
        content = purchases_workbook(self.filter_queryset(self.get_queryset()).order_by("-created_at", "-id"))
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = (
            'attachment; filename="purchases.xlsx"; '
            "filename*=UTF-8''%E9%A6%96%E8%B4%AD%E9%A1%B9%E7%9B%AE%E6%B8%85%E5%8D%95.xlsx"
        )
        response["Cache-Control"] = "private, no-store"
        return response


# --- the public --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="首购项目（公开）：单一来源公示已发布或已成交的项目"),
    retrieve=extend_schema(
        summary="首购项目详情（公开）：公示、论证专家、异议数、补充论证、成交与合同（不含异议人信息和材料）"
    ),
)
class PublicPurchaseViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = PublicPurchaseSerializer
    filterset_class = PurchaseFilter
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return public_purchases().order_by("-created_at", "-id")

    def get_serializer_class(self):
        return PublicPurchaseSerializer if self.action == "list" else PublicPurchaseDetailSerializer

    def retrieve(self, request, pk=None):
        purchase = detail_queryset(self.get_queryset()).filter(pk=pk).first() if is_id(pk) else None
        if purchase is None:
            raise Http404
        return Response(PublicPurchaseDetailSerializer(purchase).data)


def _throttle(request, scope, limit):
    if not ratelimit.allow(request, scope, limit=limit[0], window=limit[1]):
        raise Throttled(detail=_("操作过于频繁，请一小时后再试。"))


class PublicPurchaseObjectionView(APIView):
    """File an objection against a running single-source notice (anyone; 5 filed per hour per address)."""

    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="对单一来源公示提出异议（公开）",
        request=PublicPurchaseObjectionSerializer,
        responses={201: PurchaseObjectionReceiptSerializer},
    )
    def post(self, request, id):  # the path names it {id}, as the purchase routes do
        pk = id
        _throttle(request, ATTEMPT_SCOPE, ATTEMPT_LIMIT)
        if ratelimit.exhausted(request, OBJECTION_SCOPE, limit=OBJECTION_LIMIT[0], window=OBJECTION_LIMIT[1]):
            raise Throttled(detail=_("操作过于频繁，请一小时后再试。"))
        if not is_id(pk) or not public_purchases().filter(pk=pk).exists():
            raise NotFound(_("首购项目不存在。"))
        s = PublicPurchaseObjectionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        o = _services()[2].submit_objection(purchase_id=int(pk), ip=client_ip(request), **s.validated_data)
        ratelimit.allow(request, OBJECTION_SCOPE, limit=OBJECTION_LIMIT[0], window=OBJECTION_LIMIT[1])
        return Response(
            PurchaseObjectionReceiptSerializer(
                {
                    "tracking_number": o.tracking_number,
                    "state": o.state,
                    "state_label": o.get_state_display(),
                    "created_at": o.created_at,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


class PublicPurchaseObjectionStatusView(APIView):
    """An objection's state (and the justification answering it) by tracking number and phone; both must match
    (404 otherwise). POST keeps the phone out of URLs and logs."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="查询首购异议的答复（公开）",
        request=PurchaseObjectionStatusQuerySerializer,
        responses=PurchaseObjectionStatusSerializer,
    )
    def post(self, request):
        _throttle(request, STATUS_SCOPE, STATUS_LIMIT)
        s = PurchaseObjectionStatusQuerySerializer(data=request.data)
        s.is_valid(raise_exception=True)
        o = _services()[2].find_by_tracking(**s.validated_data)
        if o is None:
            raise NotFound(_("未找到与该受理编号和联系电话相符的异议。"))
        purchase = o.notice.purchase
        return Response(
            PurchaseObjectionStatusSerializer(
                {
                    "tracking_number": o.tracking_number,
                    "purchase_number": purchase.number,
                    "purchase_title": purchase.title,
                    "state": o.state,
                    "state_label": o.get_state_display(),
                    "created_at": o.created_at,
                    "answered_at": o.answered_at,
                    "justification": o.justification.text if o.justification_id else None,
                }
            ).data
        )


# --- buyer organisations (采购人单位) ----------------------------------------------------------------------------


def _buyer_rows(user):
    """The buyer organisations the user manages: province industry staff all, a buyer organisation's admin their
    own; with member and purchase counts (one query)."""
    from ..services.buyers import buyers_visible_to
    from ..views.buyers import admin_buyer_ids, is_province_industry

    qs = buyers_visible_to(user).select_related("region__parent")
    if not is_province_industry(user):
        qs = qs.filter(pk__in=admin_buyer_ids(user))
    return qs.annotate(
        member_count=Count("memberships", distinct=True), purchase_count=Count("purchases", distinct=True)
    ).order_by("name", "id")


class BuyerManagers(permissions.BasePermission):
    message = _("只有省经信厅工作人员或采购人单位管理员可以管理采购人单位。")

    def has_permission(self, request, view):
        from ..views.buyers import admin_buyer_ids, is_province_industry

        return is_province_industry(request.user) or bool(admin_buyer_ids(request.user))


@extend_schema_view(
    list=extend_schema(
        summary="采购人单位列表（省经信厅：全部；采购人单位管理员：本单位），含用户数",
        parameters=[OpenApiParameter("q", str, description="单位名称或统一社会信用代码（包含即可）")],
    ),
)
class BuyerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, BuyerManagers]
    serializer_class = BuyerSerializer
    filter_backends = []
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Organisation.objects.none()
        qs = _buyer_rows(self.request.user)
        q = (self.request.query_params.get("q") or "").strip()[:60]
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q.upper()))
        return qs

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        from ..views.buyers import member_status

        org = _buyer_rows(self.request.user).filter(pk=pk).first() if is_id(pk) else None
        if org is None:
            raise Http404
        org.members = list(
            Membership.objects.filter(organisation=org).select_related("user").order_by("-is_admin", "user__username")
        )
        for m in org.members:
            m.status_code, m.status_text = member_status(m.user)
        return Response(BuyerDetailSerializer(org).data, status=status_code)

    @extend_schema(summary="采购人单位详情：用户及其状态", responses=BuyerDetailSerializer)
    def retrieve(self, request, pk=None):
        return self._detail(pk)

    @extend_schema(
        summary="新增采购人单位（省经信厅）", request=BuyerWriteSerializer, responses={201: BuyerDetailSerializer}
    )
    def create(self, request):
        from ..services.buyers import create_buyer

        s = BuyerWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        region = Region.objects.filter(
            pk=data.pop("region"), level__in=[Region.Level.CITY, Region.Level.COUNTY]
        ).first()
        if region is None:
            raise ValidationError({"region": [_("请选择设区市或县（市、区）。")]})
        org = create_buyer(actor=request.user, region=region, **data)
        return self._detail(org.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="邀请采购人用户（省经信厅或本单位管理员）：设置密码的一次性链接发送到邮箱",
        request=BuyerInviteSerializer,
        responses={201: BuyerDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        from ..services.buyers import invite_buyer_user

        if not is_id(pk) or not _buyer_rows(request.user).filter(pk=pk).exists():
            raise Http404
        s = BuyerInviteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        invite_buyer_user(actor=request.user, organisation_id=int(pk), **s.validated_data)
        return self._detail(pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="重新发送设置密码的邀请（省经信厅或本单位管理员）：尚未设置密码的用户",
        request=BuyerResendSerializer,
        responses=BuyerDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="resend-invitation")
    def resend_invitation(self, request, pk=None):
        from ..services.buyers import resend_buyer_invitation

        if not is_id(pk) or not _buyer_rows(request.user).filter(pk=pk).exists():
            raise Http404
        s = BuyerResendSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        member = Membership.objects.filter(
            organisation_id=pk, role=Membership.Role.BUYER, user__username=s.validated_data["username"]
        ).first()
        if member is None:
            raise Http404
        resend_buyer_invitation(actor=request.user, organisation_id=int(pk), user_id=member.user_id)
        return self._detail(pk)
