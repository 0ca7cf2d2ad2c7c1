"""REST API of the expert pool (专家库) for province industry-bureau staff; thin: validate, call a service, serialise."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from . import expert_import, experts
from .expert_queries import experts_visible_to, field_labels, may_manage_experts, search, with_field
from .fields import INDUSTRY_FIELDS
from .models import SENIOR_TITLES, ExpertProfile, Organisation, Region

TRUE, FALSE = {"1", "true", "True"}, {"0", "false", "False"}
FIELD_CODES_TEXT = "专业领域代码：" + "、".join(c for c, _label in INDUSTRY_FIELDS)


# A plain string in the schema: as an enum, the ten fields would get a second component name next to the one
# the applications' `field` gives them (drf-spectacular W001, which fails `check --deploy`).
@extend_schema_field({"type": "string", "description": FIELD_CODES_TEXT})
class FieldCodeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=INDUSTRY_FIELDS, **kwargs)


class ManagesExperts(permissions.BasePermission):
    message = gettext_lazy("只有省经信厅工作人员可以管理专家库。")

    def has_permission(self, request, view):
        return may_manage_experts(request.user)


class ExpertSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    phone = serializers.CharField(source="user.phone", read_only=True)
    fields = serializers.ListField(child=FieldCodeField(), read_only=True)
    field_labels = serializers.SerializerMethodField()
    employer_name = serializers.CharField(source="employer.name", read_only=True)
    employer_uscc = serializers.CharField(source="employer.uscc", read_only=True)
    region_name = serializers.CharField(source="region.full_name", default=None, read_only=True)
    invitation_pending = serializers.SerializerMethodField(help_text="尚未设置登录密码")

    class Meta:
        model = ExpertProfile
        fields = ["id", "user", "display_name", "username", "email", "phone", "title", "fields", "field_labels",
                  "employer", "employer_name", "employer_uscc", "region", "region_name", "active", "note",
                  "deactivated_reason", "deactivated_at", "invitation_pending", "created_at", "updated_at"]
        read_only_fields = fields

    def get_field_labels(self, obj) -> list[str]:
        return field_labels(obj.fields)

    def get_invitation_pending(self, obj) -> bool:
        return not obj.user.has_usable_password()


class ExpertUpdateSerializer(serializers.Serializer):
    """Every key optional (PATCH); a new employer is given by name and USCC, reused when the USCC is known."""

    display_name = serializers.CharField(max_length=60, required=False, label=gettext_lazy("姓名"))
    email = serializers.EmailField(required=False, label=gettext_lazy("邮箱"))
    phone = serializers.CharField(max_length=20, required=False, label=gettext_lazy("手机"))
    title = serializers.ChoiceField(choices=SENIOR_TITLES, required=False, label=gettext_lazy("职称"))
    fields = serializers.ListField(child=FieldCodeField(), required=False,
                                   allow_empty=False, label=gettext_lazy("专业领域"))
    employer = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), required=False,
                                                  allow_null=True, label=gettext_lazy("工作单位"))
    employer_name = serializers.CharField(max_length=120, required=False, allow_blank=True,
                                          label=gettext_lazy("新工作单位名称"))
    employer_uscc = serializers.CharField(max_length=30, required=False, allow_blank=True,
                                          label=gettext_lazy("新工作单位统一社会信用代码"))
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), required=False, allow_null=True,
                                                label=gettext_lazy("所在地区"))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, label=gettext_lazy("备注"))


class ExpertCreateSerializer(ExpertUpdateSerializer):
    display_name = serializers.CharField(max_length=60, label=gettext_lazy("姓名"))
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150, label=gettext_lazy("登录用户名"))
    email = serializers.EmailField(label=gettext_lazy("邮箱"))
    phone = serializers.CharField(max_length=20, label=gettext_lazy("手机"))
    title = serializers.ChoiceField(choices=SENIOR_TITLES, label=gettext_lazy("职称"))
    fields = serializers.ListField(child=FieldCodeField(), allow_empty=False,
                                   label=gettext_lazy("专业领域"))


class SetActiveSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, label=gettext_lazy("理由"))


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label=gettext_lazy("Excel 文件（.xlsx）"))


class ImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["ok", "error"])
    display_name = serializers.CharField()
    username = serializers.CharField()
    messages = serializers.ListField(child=serializers.CharField())


class ImportReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    created = serializers.IntegerField()
    total = serializers.IntegerField()
    error_count = serializers.IntegerField()
    rows = ImportRowSerializer(many=True)


LIST_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="姓名、用户名或工作单位（子串）"),
    OpenApiParameter("field", OpenApiTypes.STR, description=FIELD_CODES_TEXT),
    OpenApiParameter("active", OpenApiTypes.BOOL, description="在库（true）或已停用（false）"),
]


@extend_schema_view(
    list=extend_schema(parameters=LIST_PARAMETERS),
    create=extend_schema(request=ExpertCreateSerializer, responses={201: ExpertSerializer}),
    partial_update=extend_schema(request=ExpertUpdateSerializer, responses=ExpertSerializer),
)
class ExpertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The expert pool: list, add, change, activate and deactivate experts, import them from Excel."""

    serializer_class = ExpertSerializer
    permission_classes = [permissions.IsAuthenticated, ManagesExperts]
    filter_backends = []  # filters below: field is matched inside a JSON list
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = experts_visible_to(self.request.user)
        if self.action != "list":
            return qs
        params = self.request.query_params
        errors = {}
        field = params.get("field")
        if field:
            if field not in dict(INDUSTRY_FIELDS):
                errors["field"] = [_("无法识别的专业领域代码。")]
            else:
                qs = with_field(qs, field)
        active = params.get("active")
        if active:
            if active not in TRUE | FALSE:
                errors["active"] = [_("请填写 true 或 false。")]
            else:
                qs = qs.filter(active=active in TRUE)
        if errors:
            raise ValidationError(errors)  # a bad filter never widens the list
        return search(qs, params.get("q")).order_by("-active", "user__display_name", "pk")

    def create(self, request):
        s = ExpertCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        profile = experts.create_expert(actor=request.user, **s.validated_data)
        return Response(ExpertSerializer(profile).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        profile = self.get_object()
        s = ExpertUpdateSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        profile = experts.update_expert(actor=request.user, profile=profile, **s.validated_data)
        return Response(ExpertSerializer(profile).data)

    def _set_active(self, request, active):
        profile = self.get_object()
        s = SetActiveSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        profile = experts.set_expert_active(actor=request.user, profile=profile, active=active,
                                            reason=s.validated_data.get("reason", ""))
        return Response(ExpertSerializer(profile).data)

    @extend_schema(request=SetActiveSerializer, responses=ExpertSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Take the expert out of the pool; a reason is required."""
        return self._set_active(request, False)

    @extend_schema(request=SetActiveSerializer, responses=ExpertSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        return self._set_active(request, True)

    @extend_schema(request=None, responses=ExpertSerializer)
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        """Send the set-password invitation again (only while the expert has not set a password)."""
        profile = experts.invite_expert(actor=request.user, profile=self.get_object())
        return Response(ExpertSerializer(profile).data)

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer},
                   responses={200: ImportReportSerializer, 400: ImportReportSerializer})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_file(self, request):
        """Validate every row of an .xlsx file and add all experts, or none when any row fails (400 with the
        row-by-row report)."""
        s = ImportUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        report = expert_import.import_experts(actor=request.user, upload=s.validated_data["file"])
        if report.ok:
            return Response(report.as_dict())
        message = _("%(n)s 行有误，未导入任何专家。") % {"n": report.error_count}
        return Response({"error": {"code": "invalid", "message": message, "fields": {}}, **report.as_dict()},
                        status=status.HTTP_400_BAD_REQUEST)
