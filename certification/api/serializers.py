"""Serializers of the applications API (申报书, attachments, decisions, revisions, writes and actions)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.fields import INDUSTRY_FIELDS

from .. import workflow
from ..catalogue import AttachmentType, Category, EquipmentForm, Level
from ..models import Application, ApplicationRevision, Attachment, Decision, State
from ..rules import available_actions
from ..services import applications as services

CATEGORY_LABELS = dict(Category.choices)
FORM_LABELS = dict(EquipmentForm.choices)
LEVEL_LABELS = dict(Level.choices)
FIELD_LABELS = dict(INDUSTRY_FIELDS)
STATE_LABELS = dict(State.choices)


def _iso(value):
    if value is None:
        return None
    value = timezone.localtime(value).isoformat()
    return value[:-6] + "Z" if value.endswith("+00:00") else value


# Columns the list shows (and the permission checks read); the rest of each row stays in the database.
LIST_COLUMNS = [
    "id", "number", "batch_id", "batch__name", "enterprise_id", "enterprise__name", "region_id", "region__name",
    "city_id", "city__name", "product_name", "model_spec", "category", "equipment_form", "declared_level", "field",
    "state", "submitted_at", "updated_at",
]


def _label(mapping, key):
    value = mapping.get(key)
    return str(value) if value is not None else ""


def state_label(state, applicant):
    return _label(workflow.APPLICANT_LABELS if applicant else STATE_LABELS, state)


class ActionsMixin(serializers.Serializer):
    actions = serializers.SerializerMethodField(help_text=_("当前用户现在可以执行的操作代码"))
    state_label = serializers.SerializerMethodField()

    def get_actions(self, obj) -> list[str]:
        # available_actions reads the user's memberships once per request (roles_of caches them): no query here.
        return [a.code for a in available_actions(obj, self.context["request"].user)]

    def get_state_label(self, obj) -> str:
        return state_label(obj.state, self.context.get("applicant", False))


class ApplicationListSerializer(ActionsMixin, serializers.ModelSerializer):
    batch_name = serializers.CharField(source="batch.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    city_name = serializers.CharField(source="city.name", read_only=True)
    category_label = serializers.SerializerMethodField()
    declared_level_label = serializers.SerializerMethodField()
    field_label = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "number", "batch", "batch_name", "enterprise", "enterprise_name", "region", "region_name",
                  "city", "city_name", "product_name", "model_spec", "category", "category_label",
                  "equipment_form", "declared_level", "declared_level_label", "field", "field_label", "state",
                  "state_label", "submitted_at", "updated_at", "actions"]
        read_only_fields = fields

    def to_representation(self, obj):
        # The busiest list of the workflow: one dict per row instead of DRF's per-field loop (same output as the
        # declared fields; bench/README.md, applications).
        applicant = self.context.get("applicant", False)
        user = self.context["request"].user
        return {
            "id": obj.pk,
            "number": obj.number,
            "batch": obj.batch_id,
            "batch_name": obj.batch.name,
            "enterprise": obj.enterprise_id,
            "enterprise_name": obj.enterprise.name,
            "region": obj.region_id,
            "region_name": obj.region.name,
            "city": obj.city_id,
            "city_name": obj.city.name,
            "product_name": obj.product_name,
            "model_spec": obj.model_spec,
            "category": obj.category,
            "category_label": _label(CATEGORY_LABELS, obj.category),
            "equipment_form": obj.equipment_form,
            "declared_level": obj.declared_level,
            "declared_level_label": _label(LEVEL_LABELS, obj.declared_level),
            "field": obj.field,
            "field_label": _label(FIELD_LABELS, obj.field),
            "state": workflow.applicant_state(obj.state) if applicant else obj.state,
            "state_label": state_label(obj.state, applicant),
            "submitted_at": _iso(obj.submitted_at),
            "updated_at": _iso(obj.updated_at),
            "actions": [a.code for a in available_actions(obj, user)],
        }

    def get_category_label(self, obj) -> str:
        return _label(CATEGORY_LABELS, obj.category)

    def get_declared_level_label(self, obj) -> str:
        return _label(LEVEL_LABELS, obj.declared_level)

    def get_field_label(self, obj) -> str:
        return _label(FIELD_LABELS, obj.field)


class AttachmentSerializer(serializers.ModelSerializer):
    type_label = serializers.CharField(source="get_type_display", read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "type", "type_label", "name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    actor_name = serializers.CharField(source="actor.display_name", read_only=True)
    revision = serializers.IntegerField(source="revision.number", read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = ["id", "stage", "stage_label", "kind", "kind_label", "opinion", "items", "revision",
                  "organisation_name", "actor_name", "created_at"]
        read_only_fields = fields


class RevisionSummarySerializer(serializers.ModelSerializer):
    submitted_by_name = serializers.CharField(source="submitted_by.display_name", read_only=True)

    class Meta:
        model = ApplicationRevision
        fields = ["number", "created_at", "submitted_by_name"]
        read_only_fields = fields


class RevisionSerializer(RevisionSummarySerializer):
    class Meta(RevisionSummarySerializer.Meta):
        fields = ["number", "created_at", "submitted_by_name", "data", "attachments"]
        read_only_fields = fields


class DiffRowSerializer(serializers.Serializer):
    """One change (certification.diff.diff_revisions); tables add `rows`, attachments `change`."""

    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    kind = serializers.CharField(required=False)


class ApplicationDetailSerializer(ApplicationListSerializer):
    equipment_form_label = serializers.SerializerMethodField()
    returned_stage_label = serializers.CharField(source="get_returned_stage_display", read_only=True)
    attachments = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, read_only=True)
    revisions = RevisionSummarySerializer(many=True, read_only=True)
    missing = serializers.SerializerMethodField(help_text=_("提交前仍缺少的内容（仅草稿和退回补正时）"))

    def to_representation(self, obj):
        # The generic per-field representation (the list's hand-written one covers only the list's fields).
        data = serializers.ModelSerializer.to_representation(self, obj)
        if self.context.get("applicant"):
            data["state"] = workflow.applicant_state(obj.state)
        return data

    class Meta(ApplicationListSerializer.Meta):
        fields = [*ApplicationListSerializer.Meta.fields, "equipment_form_label", "innovation_points", "indicators",
                  "ip_items", "first_sale_contract", "first_sale_date", "first_sale_price", "first_sale_buyer",
                  "commitment_confirmed_at", "returned_stage", "returned_stage_label", "county_step",
                  "city_recommended_at", "created_at", "attachments", "decisions", "revisions", "missing"]
        read_only_fields = fields

    def get_equipment_form_label(self, obj) -> str:
        return _label(FORM_LABELS, obj.equipment_form)

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, obj):
        submitted = getattr(obj, "submitted_attachment_ids", None)  # set by the view: see as_submitted_for
        if submitted is not None:
            current = [a for a in obj.attachments.all() if a.pk in submitted]
        else:
            current = [a for a in obj.attachments.all() if a.removed_at is None]
        return AttachmentSerializer(current, many=True).data

    def get_missing(self, obj) -> dict[str, list[str]]:
        if obj.state not in (State.DRAFT, State.RETURNED):
            return {}
        return {k: [str(m) for m in v] for k, v in services.completeness_errors(obj).items()}


class ApplicationWriteSerializer(serializers.Serializer):
    """A draft's fields; every one optional (autosave sends what changed). The service checks the rest."""

    batch = serializers.IntegerField(required=False, label=_("批次"))
    enterprise = serializers.IntegerField(required=False, label=_("申报企业"),
                                          help_text=_("不填则为当前用户所在企业"))
    product_name = serializers.CharField(required=False, allow_blank=True, max_length=120, label=_("产品名称"))
    model_spec = serializers.CharField(required=False, allow_blank=True, max_length=120, label=_("型号规格"))
    category = serializers.ChoiceField(choices=Category.choices, required=False, allow_blank=True, label=_("产品类别"))
    equipment_form = serializers.ChoiceField(choices=EquipmentForm.choices, required=False, allow_blank=True,
                                             label=_("装备形式"))
    declared_level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True,
                                             label=_("申报级别"))
    field = serializers.ChoiceField(choices=INDUSTRY_FIELDS, required=False, allow_blank=True, label=_("所属领域"))
    innovation_points = serializers.CharField(required=False, allow_blank=True, label=_("创新点"))
    indicators = serializers.ListField(child=serializers.DictField(), required=False, label=_("关键技术指标"),
                                       help_text="indicator, our_value, domestic_best, foreign_best, source")
    ip_items = serializers.ListField(child=serializers.DictField(), required=False, label=_("知识产权"),
                                     help_text="kind, number, title")
    first_sale_contract = serializers.CharField(required=False, allow_blank=True, max_length=60,
                                                label=_("首台销售合同编号"))
    first_sale_date = serializers.DateField(required=False, allow_null=True, label=_("首台销售日期"))
    first_sale_price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                                min_value=0, label=_("首台销售价格（元）"))
    first_sale_buyer = serializers.CharField(required=False, allow_blank=True, max_length=120,
                                             label=_("首台用户单位"))
    commitment = serializers.BooleanField(required=False, label=_("已阅读并确认承诺书"))

    def fields_for_service(self):
        data = dict(self.validated_data)
        data.pop("batch", None)
        data.pop("enterprise", None)
        return data


class DecideSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(code, str(workflow.ACTIONS[code].label))
                                              for code in services.DECISIONS], label=_("操作"))
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000, label=_("意见"))
    items = serializers.ListField(child=serializers.CharField(max_length=500), required=False, default=list,
                                  label=_("补正事项或审查清单"))


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500, label=_("撤回原因"))


class AttachmentUploadSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=AttachmentType.choices, label=_("附件类型"))
    file = serializers.FileField(label=_("文件"))
