"""Serializers of the insurance-compensation API: rule sets, policies with their units, claims with their
recognition, documents, computation, sign-offs and the actions the user may take now."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from certification.models import Batch
from recognition.models import Recognition
from recognition.services.recognitions import status_on

from .. import workflow
from ..models import Claim, ClaimDocument, Policy, PolicyUnit, RuleSet, SignOff
from ..services import claims as claim_services

STATE_LABELS = dict(Claim.State.choices)
LOCAL_ACTIONS = list(claim_services.LOCAL_ACTIONS)
SIGN_OFF_ACTIONS = [code for code, a in workflow.ACTIONS.items() if a.department]

# --- rule sets -------------------------------------------------------------------------------------------------

RATIO = dict(max_digits=5, decimal_places=4, min_value=0, max_value=1)


class RuleSetSerializer(serializers.ModelSerializer):
    batch_name = serializers.CharField(source="batch.name", read_only=True, allow_null=True, default=None)
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)

    class Meta:
        model = RuleSet
        fields = ["id", "year", "batch", "batch_name", "version", "current", "window_start", "window_end",
                  "rate_cap", "ratio_international", "ratio_domestic", "ratio_provincial", "yearly_step",
                  "yearly_cap", "max_years", "first_units", "first_batch_months", "first_batch_max_units",
                  "component_months", "exclude_national", "exclude_application_reward", "note", "created_by_name",
                  "created_at"]
        read_only_fields = fields


class RuleSetChangeSerializer(serializers.Serializer):
    """The editable rules; each optional (a change sends what changes; a new year takes the defaults for the
    rest). The service checks ranges and the window's order."""

    window_start = serializers.DateField(required=False, label=_("保单起保日期不早于"))
    window_end = serializers.DateField(required=False, label=_("保单起保日期不晚于"))
    rate_cap = serializers.DecimalField(required=False, label=_("费率上限"), **RATIO)
    ratio_international = serializers.DecimalField(required=False, label=_("首年补偿比例（国际首台）"), **RATIO)
    ratio_domestic = serializers.DecimalField(required=False, label=_("首年补偿比例（国内首台）"), **RATIO)
    ratio_provincial = serializers.DecimalField(required=False, label=_("首年补偿比例（省内首台）"), **RATIO)
    yearly_step = serializers.DecimalField(required=False, label=_("逐年递减（百分点）"), **RATIO)
    yearly_cap = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False,
                                          label=_("每年补偿上限（元）"))
    max_years = serializers.IntegerField(min_value=1, max_value=10, required=False, label=_("最长补偿年限"))
    first_units = serializers.IntegerField(min_value=1, max_value=1000, required=False, label=_("首台（套）台数"))
    first_batch_months = serializers.IntegerField(min_value=1, max_value=120, required=False,
                                                  label=_("首批次合同间隔（月）"))
    first_batch_max_units = serializers.IntegerField(min_value=1, max_value=10000, required=False,
                                                     label=_("首批次最多台数"))
    component_months = serializers.IntegerField(min_value=1, max_value=120, required=False,
                                                label=_("零部件首年合同间隔（月）"))
    exclude_national = serializers.BooleanField(required=False, label=_("已获国家补偿的保单不予补偿"))
    exclude_application_reward = serializers.BooleanField(required=False, label=_("已获应用奖励的设备不予补偿"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, label=_("修订说明"))


class RuleSetCreateSerializer(RuleSetChangeSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, label=_("年度"))
    batch = serializers.PrimaryKeyRelatedField(queryset=Batch.objects.all(), required=False, allow_null=True,
                                               label=_("适用批次"), help_text=_("为空时适用于全年"))


# --- policies --------------------------------------------------------------------------------------------------


class PolicyUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyUnit
        fields = ["id", "serial_number", "contract_number", "contract_date", "delivered_on", "application_reward"]
        read_only_fields = fields


class PolicySerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    certificate_number = serializers.CharField(source="recognition.certificate_number", read_only=True)
    product_name = serializers.CharField(source="recognition.product_name", read_only=True)
    insurer_name = serializers.CharField(source="insurer.name", read_only=True)
    buyer_name = serializers.CharField(source="buyer.name", read_only=True)
    renewal_of_number = serializers.CharField(source="renewal_of.policy_number", read_only=True, allow_null=True,
                                              default=None)
    unit_count = serializers.IntegerField(read_only=True, help_text=_("投保设备台（套）数"))

    class Meta:
        model = Policy
        fields = ["id", "policy_number", "enterprise", "enterprise_name", "recognition", "certificate_number",
                  "product_name", "insurer", "insurer_name", "buyer", "buyer_name", "equipment_value", "premium",
                  "coverage_limit", "starts_on", "ends_on", "premium_paid_on", "renewal_of", "renewal_of_number",
                  "national_compensation", "unit_count", "created_at"]
        read_only_fields = fields


class PolicyDetailSerializer(PolicySerializer):
    units = PolicyUnitSerializer(many=True, read_only=True)

    class Meta(PolicySerializer.Meta):
        fields = [*PolicySerializer.Meta.fields, "units"]
        read_only_fields = fields


class PolicyUnitWriteSerializer(serializers.Serializer):
    serial_number = serializers.CharField(max_length=60, label=_("出厂编号"))
    contract_number = serializers.CharField(max_length=60, label=_("销售合同编号"))
    contract_date = serializers.DateField(label=_("合同签订日期"))
    delivered_on = serializers.DateField(label=_("交付日期"))
    application_reward = serializers.BooleanField(required=False, default=False, label=_("已获应用奖励"))


MONEY = dict(max_digits=16, decimal_places=2)

# API field → the keyword of services.policies.create_policy / update_policy.
POLICY_SERVICE_KEYS = {"insurer": "insurer_id", "buyer": "buyer_id", "renewal_of": "renewal_of_id"}


class PolicyWriteSerializer(serializers.Serializer):
    """A policy as the enterprise records it; on a change every field is optional (units: the whole list
    replaces). The buyer is a registered organisation (`buyer`) or `buyer_name` + `buyer_uscc`."""

    recognition = serializers.IntegerField(min_value=1, required=False, label=_("认定"),
                                           help_text=_("本企业有效认定的 id（仅新建时）"))
    insurer = serializers.IntegerField(min_value=1, required=False, label=_("保险机构"))
    policy_number = serializers.CharField(max_length=60, required=False, label=_("保单号"))
    buyer = serializers.IntegerField(min_value=1, required=False, allow_null=True, label=_("用户单位"))
    buyer_name = serializers.CharField(max_length=200, required=False, allow_blank=True, label=_("用户单位名称"))
    buyer_uscc = serializers.CharField(max_length=30, required=False, allow_blank=True,
                                       label=_("用户单位统一社会信用代码"))
    equipment_value = serializers.DecimalField(required=False, label=_("设备价值（元）"), **MONEY)
    premium = serializers.DecimalField(required=False, label=_("保费（元）"), **MONEY)
    coverage_limit = serializers.DecimalField(required=False, label=_("责任限额（元）"), **MONEY)
    starts_on = serializers.DateField(required=False, label=_("保险起期"))
    ends_on = serializers.DateField(required=False, label=_("保险止期"))
    premium_paid_on = serializers.DateField(required=False, allow_null=True, label=_("保费全额缴清日期"))
    renewal_of = serializers.IntegerField(min_value=1, required=False, allow_null=True, label=_("续保自"))
    national_compensation = serializers.BooleanField(required=False, label=_("已获国家保险补偿"))
    units = PolicyUnitWriteSerializer(many=True, required=False, label=_("投保设备"))

    def service_kwargs(self):
        data = dict(self.validated_data)
        data.pop("recognition", None)
        if "units" in data:
            data["units"] = [dict(u) for u in data["units"]]
        return {POLICY_SERVICE_KEYS.get(k, k): v for k, v in data.items()}


# --- claims ----------------------------------------------------------------------------------------------------


def state_label(state, applicant):
    value = (workflow.APPLICANT_LABELS if applicant else STATE_LABELS).get(state)
    return str(value) if value is not None else ""


class ClaimSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    product_name = serializers.CharField(source="recognition.product_name", read_only=True)
    certificate_number = serializers.CharField(source="recognition.certificate_number", read_only=True)
    level = serializers.CharField(source="recognition.level", read_only=True)
    city_name = serializers.CharField(source="city.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    state_label = serializers.SerializerMethodField()
    policy_count = serializers.IntegerField(read_only=True)
    actions = serializers.SerializerMethodField(help_text=_("当前用户现在可以执行的操作代码"))

    class Meta:
        model = Claim
        fields = ["id", "number", "enterprise", "enterprise_name", "recognition", "certificate_number",
                  "product_name", "level", "cover_year", "city", "city_name", "region", "region_name", "state",
                  "state_label", "eligible", "computed_amount", "approved_amount", "review_round", "policy_count",
                  "created_at", "submitted_at", "approved_at", "actions"]
        read_only_fields = fields

    def get_state_label(self, obj) -> str:
        return state_label(obj.state, self.context.get("applicant", False))

    def get_actions(self, obj) -> list[str]:
        return [a.code for a in workflow.available_actions(obj, self.context["request"].user)]


class ClaimRecognitionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Recognition
        fields = ["id", "certificate_number", "year", "level", "level_label", "enterprise_name", "product_name",
                  "model_spec", "equipment_form", "decision_number", "decision_date", "valid_from", "valid_until",
                  "status", "revoked_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Recognition.Status.choices))
    def get_status(self, obj):
        return status_on(obj)


class ClaimDocumentSerializer(serializers.ModelSerializer):
    type_label = serializers.CharField(source="get_type_display", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ClaimDocument
        fields = ["id", "type", "type_label", "name", "size", "sha256", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("api-insurance-claim-document-download", args=[obj.claim_id, obj.pk])


class SignOffSerializer(serializers.ModelSerializer):
    department_label = serializers.CharField(source="get_department_display", read_only=True)
    decision_label = serializers.CharField(source="get_decision_display", read_only=True)

    class Meta:
        model = SignOff
        fields = ["id", "department", "department_label", "decision", "decision_label", "opinion", "signed_at"]
        read_only_fields = fields


class SignOffRoundSerializer(serializers.Serializer):
    review_round = serializers.IntegerField()
    current = serializers.BooleanField(help_text=_("当前联审轮次"))
    signoffs = SignOffSerializer(many=True)


class CheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    passed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)


class StepSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class ComputationSerializer(serializers.Serializer):
    preview = serializers.BooleanField(help_text=_("true：草稿或退回的申请按当前数据和现行规则试算，未保存"))
    eligible = serializers.BooleanField(allow_null=True)
    amount = serializers.CharField(allow_null=True, help_text=_("测算补偿金额（元）"))
    rule_set = serializers.DictField(allow_null=True, help_text="{id, year, version, batch}")
    as_of = serializers.CharField(allow_null=True)
    error = serializers.CharField(required=False)
    checks = CheckSerializer(many=True)
    steps = StepSerializer(many=True)


class ClaimDetailSerializer(ClaimSerializer):
    recognition_summary = serializers.SerializerMethodField()
    policies = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    computation = serializers.SerializerMethodField()
    rounds = serializers.SerializerMethodField(help_text=_("各轮联审意见，最近一轮在前"))
    missing = serializers.SerializerMethodField(help_text=_("提交前仍缺少的内容（仅草稿和退回时）"))

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "recognition_summary", "policies", "documents", "computation",
                  "adjustment_reason", "return_reason", "rounds", "missing"]
        read_only_fields = fields

    @extend_schema_field(ClaimRecognitionSerializer)
    def get_recognition_summary(self, obj):
        return ClaimRecognitionSerializer(obj.recognition).data

    @extend_schema_field(PolicyDetailSerializer(many=True))
    def get_policies(self, obj):
        return PolicyDetailSerializer(obj.policies.all(), many=True).data

    @extend_schema_field(ClaimDocumentSerializer(many=True))
    def get_documents(self, obj):
        return ClaimDocumentSerializer([d for d in obj.documents.all() if d.removed_at is None], many=True).data

    @extend_schema_field(ComputationSerializer)
    def get_computation(self, obj):
        working = self.context.get("working")
        if working is None:
            working = obj.working or {}
        return {
            "preview": bool(self.context.get("preview")),
            "eligible": working.get("eligible", obj.eligible),
            "amount": working.get("amount", str(obj.computed_amount) if obj.computed_amount is not None else None),
            "rule_set": working.get("rule_set"),
            "as_of": working.get("as_of"),
            **({"error": working["error"]} if working.get("error") else {}),
            "checks": working.get("checks", []),
            "steps": working.get("steps", []),
        }

    @extend_schema_field(SignOffRoundSerializer(many=True))
    def get_rounds(self, obj):
        rounds = {}
        for s in obj.signoffs.all():
            rounds.setdefault(s.review_round, []).append(s)
        return [{"review_round": n, "current": n == obj.review_round, "signoffs": SignOffSerializer(rows, many=True).data}
                for n, rows in sorted(rounds.items(), reverse=True)]

    def get_missing(self, obj) -> dict[str, list[str]]:
        if obj.state not in workflow.EDITABLE_STATES:
            return {}
        return {k: [str(m) for m in v] for k, v in claim_services.submission_errors(obj).items()}


class ClaimCreateSerializer(serializers.Serializer):
    recognition = serializers.IntegerField(min_value=1, max_value=2**63 - 1, label=_("认定"),
                                           help_text=_("本企业认定的 id"))
    policies = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), allow_empty=True, max_length=200,
                                     label=_("保单"), help_text=_("本认定产品的保单 id"))
    cover_year = serializers.IntegerField(min_value=1, max_value=10, label=_("补偿年度（第几年）"))


class ClaimUpdateSerializer(serializers.Serializer):
    policies = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), allow_empty=True, max_length=200,
                                     required=False, label=_("保单"))
    cover_year = serializers.IntegerField(min_value=1, max_value=10, required=False, label=_("补偿年度（第几年）"))


class DocumentUploadSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClaimDocument.Type.choices, label=_("材料类型"))
    file = serializers.FileField(label=_("文件"), help_text=_("PDF，最大 20 MB"))


class LocalReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(c, str(workflow.ACTIONS[c].label)) for c in LOCAL_ACTIONS],
                                     label=_("操作"))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000, label=_("理由"),
                                   help_text=_("退回或不予补偿时必填"))


class SignOffRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[(c, f"{workflow.ACTIONS[c].department}: {workflow.ACTIONS[c].label}") for c in SIGN_OFF_ACTIONS],
        label=_("操作"))
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                    label=_("审核意见"), help_text=_("退回或不予补偿时必填"))
    adjusted_amount = serializers.DecimalField(required=False, allow_null=True, default=None, min_value=0,
                                               label=_("核定金额（元）"),
                                               help_text=_("仅经信部门同意时可调整，不超过测算金额"), **MONEY)
    adjustment_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                              label=_("核定金额调整理由"))
