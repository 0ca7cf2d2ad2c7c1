"""Applications (申报书) through the API: lists scoped to the user with filters, search, sorting and the actions
the user may take; drafts and autosave; submission, the recommendation chain, withdrawal; revisions and their
diffs; attachments; the Excel export for bureau staff."""

from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.fields import INDUSTRY_FIELDS
from accounts.models import Membership
from accounts.roles import roles_of

from .. import workflow
from ..catalogue import Category, Level
from ..models import Application, ApplicationRevision, Attachment, Batch, Decision, State
from ..queries import applications_visible_to, as_submitted_for, batches_visible_to, is_id
from ..services import applications as services
from .serializers import (
    LIST_COLUMNS,
    ApplicationDetailSerializer,
    ApplicationListSerializer,
    ApplicationWriteSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    DecideSerializer,
    DiffRowSerializer,
    RevisionSerializer,
    WithdrawSerializer,
)

R = Membership.Role

# --- list helpers: filters, search, ordering (shared by the list and the export) -------------------------

# Public sort keys → columns; a stable tie-breaker is appended.
ORDERING = {
    "number": "number",
    "submitted_at": "submitted_at",
    "product_name": "product_name",
    "enterprise_name": "enterprise__name",
    "state": "state",
    "updated_at": "updated_at",
}


def _visible_batches(request):
    return batches_visible_to(request.user) if request is not None else Batch.objects.none()


class ApplicationFilter(filters.FilterSet):
    """Declared once (a `filterset_fields` list makes django-filter build a class on every request). The batch
    choices are the user's visible batches, so a draft batch's id does not answer differently from a missing one."""

    batch = filters.ModelChoiceFilter(queryset=_visible_batches)

    class Meta:
        model = Application
        fields = ["batch", "state", "city", "region", "category", "declared_level", "field"]


LIST_PARAMETERS = [
    OpenApiParameter("batch", int, description="批次 id"),
    OpenApiParameter("state", str, enum=State.values, description="状态代码"),
    OpenApiParameter("city", int, description="设区市（行政区划 id）"),
    OpenApiParameter("region", int, description="县（市、区）（行政区划 id）"),
    OpenApiParameter("category", str, enum=Category.values),
    OpenApiParameter("declared_level", str, enum=Level.values),
    OpenApiParameter("field", str, enum=[code for code, _label in INDUSTRY_FIELDS]),
    OpenApiParameter("q", str, description="按产品名称、型号规格、企业名称或受理编号搜索（包含即可）"),
    OpenApiParameter(
        "ordering", str,
        description="排序：" + "、".join(ORDERING) + "；前加 - 为倒序，可用逗号分隔多个",
    ),
]


def search_and_order(queryset, params):
    """Apply `q` (substring over product, model, enterprise name and number) and `ordering`."""
    q = (params.get("q") or "").strip()
    if q:
        queryset = queryset.filter(
            Q(product_name__icontains=q) | Q(model_spec__icontains=q) | Q(enterprise__name__icontains=q)
            | Q(number__icontains=q)
        )
    keys = []
    for raw in (params.get("ordering") or "").split(","):
        raw = raw.strip()
        desc = raw.startswith("-")
        column = ORDERING.get(raw.lstrip("-"))
        if column:
            keys.append(("-" if desc else "") + column)
    if keys:
        queryset = queryset.order_by(*keys, "-id" if keys[0].startswith("-") else "id")
    return queryset


def filtered_applications(request, queryset):
    """The scoped queryset narrowed by the request's filters, search and ordering; bad filters → 400."""
    params = request.query_params
    if is_applicant(request.user):
        params, queryset = _applicant_params(params, queryset)
    fs = ApplicationFilter(params, queryset=queryset, request=request)
    if not fs.is_valid():
        raise ValidationError(fs.errors)
    return search_and_order(fs.qs, params)


def _applicant_params(params, queryset):
    """An applicant filters and sorts on the state codes they see (workflow.applicant_state): not on the outcome
    of the proposal, which a filter or a sort on the real code would reveal."""
    params = params.copy()
    code = params.get("state")
    if code in (State.EXPERT_REVIEW, *workflow.APPLICANT_HIDDEN_STATES):
        states = workflow.applicant_state_filter(code)
        if not states:
            raise ValidationError({"state": [_("无效的状态代码。")]})
        del params["state"]
        queryset = queryset.filter(state__in=states)
    if "ordering" in params:
        params["ordering"] = ",".join(k for k in params["ordering"].split(",") if k.strip().lstrip("-") != "state")
    return params, queryset


def is_applicant(user):
    """Enterprise users (and only they) see the applicant-facing state labels."""
    roles = roles_of(user)
    return roles.has(R.ENTERPRISE) and not roles.bureau_regions and not roles.is_province


def is_bureau_staff(user):
    roles = roles_of(user)
    return roles.has(R.COUNTY_STAFF, R.CITY_STAFF, R.PROVINCE_STAFF) or user.is_superuser


# --- views ---------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(parameters=LIST_PARAMETERS))
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """申报书 in the user's scope: an enterprise its own (drafts included), a bureau the submitted applications of
    its county or city, the province all submitted ones. Each row lists the actions the user may take now."""

    filter_backends = []  # filters, search and ordering: filtered_applications()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return applications_visible_to(self.request.user)

    def detail_queryset(self):
        return self.get_queryset().prefetch_related(
            Prefetch("decisions", queryset=Decision.objects.select_related("actor", "organisation", "revision")
                     .defer("revision__data", "revision__attachments", "revision__form_definition")),
            Prefetch("revisions", queryset=ApplicationRevision.objects.select_related("submitted_by")
                     .defer("data", "attachments", "form_definition")),
            "attachments",
        )

    def retrieve(self, request, pk=None):
        """One application with its decisions, revisions and current attachments."""
        return self._detail(pk)

    def get_serializer_class(self):
        if self.action == "list":
            return ApplicationListSerializer
        if self.action in ("create", "partial_update"):
            return ApplicationWriteSerializer
        return ApplicationDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["applicant"] = is_applicant(self.request.user)
        return context

    def list(self, request, *args, **kwargs):
        qs = filtered_applications(request, self.get_queryset()).only(*LIST_COLUMNS)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ApplicationListSerializer(page, many=True,
                                                                     context=self.get_serializer_context()).data)

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        obj = self.detail_queryset().filter(pk=pk).first() if is_id(pk) else None
        if obj is None:
            raise Http404
        obj, submitted_ids = as_submitted_for(obj, self.request.user)
        if submitted_ids is not None:
            obj.submitted_attachment_ids = set(submitted_ids)
        return Response(ApplicationDetailSerializer(obj, context=self.get_serializer_context()).data,
                        status=status_code)

    def _id(self):
        """The application's id if the user can see it; 404 otherwise (existence does not leak)."""
        pk = self.kwargs["pk"]
        if not is_id(pk) or not applications_visible_to(self.request.user).filter(pk=pk).exists():
            raise Http404
        return int(pk)

    @extend_schema(request=ApplicationWriteSerializer, responses={201: ApplicationDetailSerializer})
    def create(self, request):
        """Start a draft (the enterprise defaults to the user's own)."""
        s = ApplicationWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        enterprise_id = s.validated_data.get("enterprise")
        if enterprise_id is None:
            own = roles_of(request.user).organisations(R.ENTERPRISE)
            if not own:
                raise PermissionDenied(_("只有企业用户可以申报。"))
            enterprise_id = own[0].pk
        if s.validated_data.get("batch") is None:
            raise ValidationError({"batch": [_("必填。")]})
        app = services.create_application(actor=request.user, batch_id=s.validated_data["batch"],
                                          enterprise_id=enterprise_id, **s.fields_for_service())
        return self._detail(app.pk, status.HTTP_201_CREATED)

    @extend_schema(request=ApplicationWriteSerializer, responses=ApplicationDetailSerializer)
    def partial_update(self, request, pk=None):
        """Autosave a draft or a returned application: send only the fields that changed."""
        app_id = self._id()
        s = ApplicationWriteSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        if "batch" in s.validated_data or "enterprise" in s.validated_data:
            raise ValidationError({k: [_("不能修改。")] for k in ("batch", "enterprise") if k in s.validated_data})
        services.update_draft(actor=request.user, application_id=app_id, **s.fields_for_service())
        return self._detail(app_id)

    @extend_schema(request=None, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a complete draft; the answer carries the receipt number (`number`)."""
        app = services.submit(actor=request.user, application_id=self._id())
        return self._detail(app.pk)

    @extend_schema(request=None, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """Resubmit a corrected application; it goes back to the level that returned it."""
        app = services.resubmit(actor=request.user, application_id=self._id())
        return self._detail(app.pk)

    @extend_schema(request=DecideSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """A bureau's decision at its level: recommend / pass, return for correction (`items`), decline / reject."""
        app_id = self._id()
        s = DecideSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        app = services.decide(actor=request.user, application_id=app_id, **s.validated_data)
        return self._detail(app.pk)

    @extend_schema(request=WithdrawSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The enterprise withdraws its application (before expert review)."""
        app_id = self._id()
        s = WithdrawSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        app = services.withdraw(actor=request.user, application_id=app_id, reason=s.validated_data["reason"])
        return self._detail(app.pk)

    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def revisions(self, request, pk=None):
        """Every submitted revision, oldest first: the frozen data and the attachments' hashes."""
        app_id = self._id()
        revisions = ApplicationRevision.objects.filter(application_id=app_id).select_related("submitted_by")
        return Response(RevisionSerializer(revisions.order_by("number"), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("number", int, OpenApiParameter.PATH, description="新版本号"),
            OpenApiParameter("against", int, description="与哪个版本对比，默认为前一版本"),
        ],
        responses=DiffRowSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path=r"revisions/(?P<number>[0-9]{1,9})/diff", pagination_class=None)
    def revision_diff(self, request, pk=None, number=None):
        """What changed between revision `against` (default: the one before) and revision `number`."""
        from ..diff import diff_revisions

        app_id = self._id()
        number = int(number)
        against = request.query_params.get("against") or number - 1
        if not is_id(against, digits=9) or int(against) < 1:
            raise ValidationError({"against": [_("没有可对比的前一版本。")]})
        revisions = {r.number: r for r in ApplicationRevision.objects.filter(application_id=app_id,
                                                                           number__in=[number, int(against)])}
        if number not in revisions or int(against) not in revisions:
            raise Http404
        return Response(diff_revisions(revisions[int(against)], revisions[number]))

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        """Upload one typed attachment (multipart: `type`, `file`); the content is checked by its bytes."""
        from ..services.attachments import upload_attachment

        app_id = self._id()
        s = AttachmentUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        attachment = upload_attachment(actor=request.user, application_id=app_id, type=s.validated_data["type"],
                                       uploaded_file=s.validated_data["file"])
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("attachment_id", int, OpenApiParameter.PATH)],
        request=None, responses={204: None},
    )
    @action(detail=True, methods=["delete"], url_path=r"attachments/(?P<attachment_id>[0-9]{1,18})")
    def remove_attachment(self, request, pk=None, attachment_id=None):
        """Remove an attachment from the current set (earlier revisions keep listing it)."""
        from ..services.attachments import remove_attachment

        app_id = self._id()
        if not Attachment.objects.filter(pk=attachment_id, application_id=app_id, removed_at__isnull=True).exists():
            raise Http404
        remove_attachment(actor=request.user, attachment_id=int(attachment_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ApplicationExportView(GenericAPIView):
    """申报书 in the user's scope as an Excel workbook (bureau staff), with the list's filters, search and order."""

    filter_backends = []
    pagination_class = None
    serializer_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return applications_visible_to(self.request.user)

    @extend_schema(
        operation_id="applications_export_xlsx",
        parameters=LIST_PARAMETERS,
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request):
        from ..exports import applications_workbook

        if not is_bureau_staff(request.user):
            raise PermissionDenied(_("只有经信部门工作人员可以导出申报清单。"))
        qs = filtered_applications(request, self.get_queryset())
        content = applications_workbook(qs)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = "attachment; filename=\"applications.xlsx\"; filename*=UTF-8''%E7%94%B3%E6%8A%A5%E6%B8%85%E5%8D%95.xlsx"
        return response
