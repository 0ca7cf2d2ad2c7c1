"""Compensation claims (补偿申请) through the API (/api/v1/insurance/claims/).

Scoped by insurance.queries.claims_visible_to: the enterprise its own (drafts included), a county or city
industry bureau the submitted claims of its area, province-level bureaus every submitted claim; anything else
answers 404. Each claim lists the actions the user may take now (insurance.workflow.available_actions); the
actions themselves are the services of insurance.services.claims, which check the table again under the row lock.
"""

from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Membership
from accounts.roles import roles_of
from certification.queries import is_id

from .. import workflow
from ..models import Claim, ClaimDocument, Policy, PolicyUnit
from ..queries import claims_visible_to
from ..services import claims as services
from ..services import computation
from ..services import documents as document_services
from .serializers import (
    ClaimCreateSerializer,
    ClaimDetailSerializer,
    ClaimDocumentSerializer,
    ClaimSerializer,
    ClaimUpdateSerializer,
    DocumentUploadSerializer,
    LocalReviewSerializer,
    SignOffRequestSerializer,
)

R = Membership.Role
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ID = dict(min_value=1, max_value=2**63 - 1)


class ClaimFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=Claim.State.choices, label="状态代码")
    cover_year = filters.NumberFilter(field_name="cover_year", min_value=1, max_value=10, label="补偿年度（第几年）")
    city = filters.NumberFilter(field_name="city_id", label="设区市（行政区划 id）", **ID)
    recognition = filters.NumberFilter(field_name="recognition_id", label="认定 id", **ID)
    q = filters.CharFilter(method="search", label="申请编号、企业名称、产品名称或证书编号（包含即可）", max_length=60)

    class Meta:
        model = Claim
        fields = ["state", "cover_year", "city", "recognition", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(number__icontains=value) | Q(enterprise__name__icontains=value)
                               | Q(recognition__product_name__icontains=value)
                               | Q(recognition__certificate_number__icontains=value))


LIST_PARAMETERS = [
    OpenApiParameter("state", str, enum=Claim.State.values, description="状态代码"),
    OpenApiParameter("cover_year", int, description="补偿年度（第几年）"),
    OpenApiParameter("city", int, description="设区市（行政区划 id）"),
    OpenApiParameter("recognition", int, description="认定 id"),
    OpenApiParameter("q", str, description="申请编号、企业名称、产品名称或证书编号（包含即可）"),
]


def filtered_claims(request):
    """The user's claims narrowed by the request's filters; bad filters → 400."""
    fs = ClaimFilter(request.query_params, queryset=claims_visible_to(request.user), request=request)
    if not fs.is_valid():
        raise ValidationError(fs.errors)
    return fs.qs


def is_applicant(user):
    """Enterprise users (and only they) see the applicant-facing state labels."""
    roles = roles_of(user)
    return roles.has(R.ENTERPRISE) and not roles.bureau_regions and not roles.is_province


@extend_schema_view(
    list=extend_schema(summary="补偿申请列表（企业：本企业；市县经信局：本地区已提交的；省级部门：全部已提交的）",
                       parameters=LIST_PARAMETERS),
    retrieve=extend_schema(summary="补偿申请详情：认定、保单、材料、测算结果与过程、各轮联审意见、可执行操作"),
)
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ClaimSerializer
    filter_backends = []  # filtered_claims()
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        return claims_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return ClaimSerializer
        if self.action == "create":
            return ClaimCreateSerializer
        if self.action == "partial_update":
            return ClaimUpdateSerializer
        return ClaimDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["applicant"] = is_applicant(self.request.user)
        return context

    def list(self, request, *args, **kwargs):
        # An aggregate drops Meta.ordering: the list's order is restated.
        qs = (filtered_claims(request).annotate(policy_count=Count("policies", distinct=True)).defer("working")
              .order_by("-created_at", "-id"))
        page = self.paginate_queryset(qs)
        workflow.prefill(page)
        return self.get_paginated_response(ClaimSerializer(page, many=True, context=self.get_serializer_context()).data)

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        policies = (Policy.objects.select_related("enterprise", "recognition", "insurer", "buyer", "renewal_of")
                    .annotate(unit_count=Count("units", distinct=True))
                    .prefetch_related(Prefetch("units", queryset=PolicyUnit.objects.order_by("contract_date", "id")))
                    .order_by("starts_on", "id"))
        qs = self.get_queryset().annotate(policy_count=Count("policies", distinct=True)).prefetch_related(
            Prefetch("policies", queryset=policies), "documents", "signoffs")
        claim = qs.filter(pk=pk).first() if is_id(pk) else None
        if claim is None:
            raise Http404
        context = self.get_serializer_context()
        if claim.state in workflow.EDITABLE_STATES:
            # Not yet decided by anyone: a trial computation on the data and rules as they are now (not stored).
            context.update(preview=True, working=computation.evaluate(claim).working)
        return Response(ClaimDetailSerializer(claim, context=context).data, status=status_code)

    def _id(self):
        """The claim's id if the user can see it; 404 otherwise (existence does not leak)."""
        pk = self.kwargs["pk"]
        if not is_id(pk) or not claims_visible_to(self.request.user).filter(pk=pk).exists():
            raise Http404
        return int(pk)

    def retrieve(self, request, pk=None):
        return self._detail(pk)

    @extend_schema(summary="新建补偿申请草稿（企业）", request=ClaimCreateSerializer,
                   responses={201: ClaimDetailSerializer})
    def create(self, request):
        s = ClaimCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        claim = services.create_claim(actor=request.user, recognition_id=d["recognition"], policy_ids=d["policies"],
                                      cover_year=d["cover_year"])
        return self._detail(claim.pk, status.HTTP_201_CREATED)

    @extend_schema(summary="修改草稿或退回的补偿申请（企业）", request=ClaimUpdateSerializer,
                   responses=ClaimDetailSerializer)
    def partial_update(self, request, pk=None):
        claim_id = self._id()
        s = ClaimUpdateSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        services.update_claim(actor=request.user, claim_id=claim_id, policy_ids=d.get("policies"),
                              cover_year=d.get("cover_year"))
        return self._detail(claim_id)

    @extend_schema(summary="提交或重新提交（企业）：测算补偿条件和金额，转地方初审", request=None,
                   responses=ClaimDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        claim = services.submit(actor=request.user, claim_id=self._id())
        return self._detail(claim.pk)

    @extend_schema(summary="地方初审（县或设区市经信局）：通过、退回修改或不予补偿", request=LocalReviewSerializer,
                   responses=ClaimDetailSerializer)
    @action(detail=True, methods=["post"], url_path="local-review")
    def local_review(self, request, pk=None):
        claim_id = self._id()
        s = LocalReviewSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        claim = services.local_review(actor=request.user, claim_id=claim_id, **s.validated_data)
        return self._detail(claim.pk)

    @extend_schema(summary="部门联审签署意见（经信、财政、金融监管部门各一次）", request=SignOffRequestSerializer,
                   responses=ClaimDetailSerializer,
                   description="action 为 <部门>_approve|return|reject；经信部门同意时可调整核定金额（须填写理由）。")
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        claim_id = self._id()
        s = SignOffRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        claim = services.sign_off(actor=request.user, claim_id=claim_id, **s.validated_data)
        return self._detail(claim.pk)

    @extend_schema(summary="列入拨付（省经信厅）", request=None, responses=ClaimDetailSerializer)
    @action(detail=True, methods=["post"], url_path="make-payable")
    def make_payable(self, request, pk=None):
        claim = services.make_payable(actor=request.user, claim_id=self._id())
        return self._detail(claim.pk)

    @extend_schema(summary="上传申请材料（multipart：type、file；PDF）",
                   request={"multipart/form-data": DocumentUploadSerializer}, responses={201: ClaimDocumentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, pk=None):
        claim_id = self._id()
        s = DocumentUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        document = document_services.upload_document(actor=request.user, claim_id=claim_id,
                                                      type=s.validated_data["type"],
                                                      uploaded_file=s.validated_data["file"])
        return Response(ClaimDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="移除申请材料（草稿或退回时）", request=None, responses={204: None},
                   parameters=[OpenApiParameter("document_id", int, OpenApiParameter.PATH)])
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<document_id>[0-9]{1,18})",
            url_name="document")
    def remove_document(self, request, pk=None, document_id=None):
        claim_id = self._id()
        if not ClaimDocument.objects.filter(pk=document_id, claim_id=claim_id, removed_at__isnull=True).exists():
            raise Http404
        document_services.remove_document(actor=request.user, document_id=int(document_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="下载申请材料（PDF）", responses={(200, "application/pdf"): OpenApiTypes.BINARY},
                   parameters=[OpenApiParameter("document_id", int, OpenApiParameter.PATH)])
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[0-9]{1,18})/download",
            url_name="document-download", pagination_class=None)
    def download_document(self, request, pk=None, document_id=None):
        if not is_id(pk):
            raise Http404
        document, handle = document_services.open_document(actor=request.user, document_id=int(document_id))
        if document.claim_id != int(pk):
            handle.close()
            raise Http404
        response = FileResponse(handle, as_attachment=True, content_type="application/pdf", filename=document.name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class ClaimExportView(GenericAPIView):
    """补偿申请 in the user's scope as an Excel workbook, with the list's filters."""

    filter_backends = []
    pagination_class = None
    serializer_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        return claims_visible_to(self.request.user)

    @extend_schema(operation_id="insurance_claims_export_xlsx", summary="导出补偿申请清单（Excel）",
                   parameters=LIST_PARAMETERS, responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request):
        from ..exports import claims_workbook

        content = claims_workbook(filtered_claims(request))
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = (
            "attachment; filename=\"claims.xlsx\"; "
            "filename*=UTF-8''%E8%A1%A5%E5%81%BF%E7%94%B3%E8%AF%B7%E6%B8%85%E5%8D%95.xlsx")
        response["Cache-Control"] = "private, no-store"
        return response

