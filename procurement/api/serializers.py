"""Serializers of the 政府首购 API: purchases (list, detail with the notice, its experts, objections and
justifications, the award, the contract, the private documents' metadata and the actions the user may take now),
the public view of a purchase (no objector identity, no documents), and the request bodies of the actions.

Objectors' identities (name, organisation, phone, e-mail, tracking number) are shown to the buyer's own users
only: the buyer answers them. Anyone else who sees the purchase gets each objection's content, state and dates;
the public only the counts and the supplementary justifications."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.fields import INDUSTRY_FIELDS
from recognition.models import Recognition
from recognition.services.recognitions import status_on

from .. import workflow
from ..models import (
    MIN_NOTICE_WORKING_DAYS,
    Contract,
    Justification,
    NoticeExpert,
    Purchase,
    PurchaseDocument,
    PurchaseObjection,
    SingleSourceNotice,
)
from ..queries import contract_of, notice_of

MONEY = dict(max_digits=16, decimal_places=2)
ID = dict(min_value=1, max_value=2**63 - 1)
FIELD_LABELS = dict(INDUSTRY_FIELDS)


def _accepting(purchase):
    from ..services.notices import accepting_objections

    return accepting_objections(purchase)


# --- read ------------------------------------------------------------------------------------------------------


class PurchaseRecognitionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    field_label = serializers.CharField(source="get_field_display", read_only=True)
    city_name = serializers.CharField(source="city.name", read_only=True)
    status = serializers.SerializerMethodField(help_text=_("今日的状态（有效期已过的为已过期）"))

    class Meta:
        model = Recognition
        fields = [
            "id",
            "certificate_number",
            "product_name",
            "model_spec",
            "enterprise_name",
            "enterprise_uscc",
            "level",
            "level_label",
            "field",
            "field_label",
            "city",
            "city_name",
            "decision_number",
            "valid_from",
            "valid_until",
            "status",
            "revoked_at",
            "revocation_document",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Recognition.Status.choices))
    def get_status(self, obj):
        return status_on(obj)


class _NoticePeriodFields:
    """field_label and the published notice's period (None before publication), shared by the purchase
    serializers of the staff and the public API."""

    def get_field_label(self, obj) -> str:
        return str(FIELD_LABELS.get(obj.recognition.field, obj.recognition.field))

    def _published_notice(self, obj):
        notice = notice_of(obj)
        return notice if notice is not None and notice.published_at is not None else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_notice_starts_at(self, obj):
        notice = self._published_notice(obj)
        return serializers.DateTimeField().to_representation(notice.starts_at) if notice else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_notice_ends_at(self, obj):
        notice = self._published_notice(obj)
        return serializers.DateTimeField().to_representation(notice.ends_at) if notice else None


class PurchaseSerializer(_NoticePeriodFields, serializers.ModelSerializer):
    """A row of the list."""

    buyer_name = serializers.CharField(source="buyer.name", read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    certificate_number = serializers.CharField(source="recognition.certificate_number", read_only=True)
    product_name = serializers.CharField(source="recognition.product_name", read_only=True)
    level = serializers.CharField(source="recognition.level", read_only=True)
    field = serializers.CharField(source="recognition.field", read_only=True)
    field_label = serializers.SerializerMethodField()
    method_label = serializers.CharField(source="get_method_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    notice_starts_at = serializers.SerializerMethodField()
    notice_ends_at = serializers.SerializerMethodField()
    objection_count = serializers.IntegerField(read_only=True, help_text=_("对单一来源公示的异议数"))
    contract_amount = serializers.SerializerMethodField()
    signed_late = serializers.SerializerMethodField(help_text=_("合同超过成交后30日签订；未签订时为 null"))
    actions = serializers.SerializerMethodField(help_text=_("当前用户现在可以执行的操作代码"))

    class Meta:
        model = Purchase
        fields = [
            "id",
            "number",
            "title",
            "buyer",
            "buyer_name",
            "supplier",
            "supplier_name",
            "recognition",
            "certificate_number",
            "product_name",
            "level",
            "field",
            "field_label",
            "method",
            "method_label",
            "method_details",
            "quantity",
            "unit",
            "budget",
            "state",
            "state_label",
            "notice_starts_at",
            "notice_ends_at",
            "objection_count",
            "awarded_on",
            "award_amount",
            "contract_amount",
            "signed_late",
            "created_at",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(allow_null=True, **MONEY))
    def get_contract_amount(self, obj):
        contract = contract_of(obj)
        return serializers.DecimalField(**MONEY).to_representation(contract.amount) if contract else None

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_signed_late(self, obj):
        contract = contract_of(obj)
        return contract.signed_late if contract else None

    def get_actions(self, obj) -> list[str]:
        return [a.code for a in workflow.available_actions(obj, self.context["request"].user)]


class PurchaseNoticeExpertSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeExpert
        fields = ["name", "employer", "title"]
        read_only_fields = fields


class PurchaseNoticeSerializer(serializers.ModelSerializer):
    experts = PurchaseNoticeExpertSerializer(many=True, read_only=True)
    accepting_objections = serializers.SerializerMethodField(help_text=_("公示期内，正在受理异议"))

    class Meta:
        model = SingleSourceNotice
        fields = [
            "reason",
            "justification",
            "contact",
            "working_days",
            "starts_at",
            "ends_at",
            "published_at",
            "closed_at",
            "accepting_objections",
            "experts",
        ]
        read_only_fields = fields

    def get_accepting_objections(self, obj) -> bool:
        return bool(self.context.get("accepting"))


class PurchaseObjectionSerializer(serializers.ModelSerializer):
    """An objection as anyone who sees the purchase but is not its buyer reads it: no identity."""

    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = PurchaseObjection
        fields = ["id", "content", "state", "state_label", "justification", "created_at", "answered_at"]
        read_only_fields = fields


class PurchaseObjectionForBuyerSerializer(PurchaseObjectionSerializer):
    """An objection as the buyer reads it: with the objector's contact details, to answer them."""

    class Meta(PurchaseObjectionSerializer.Meta):
        fields = [
            "id",
            "tracking_number",
            "name",
            "organisation",
            "phone",
            "email",
            "content",
            "state",
            "state_label",
            "justification",
            "created_at",
            "answered_at",
            "reply_sent_at",
        ]
        read_only_fields = fields


class PurchaseJustificationSerializer(serializers.ModelSerializer):
    objection_ids = serializers.SerializerMethodField(help_text=_("本次补充论证答复的异议"))

    class Meta:
        model = Justification
        fields = ["id", "text", "experts", "created_at", "objection_ids"]
        read_only_fields = fields

    def get_objection_ids(self, obj) -> list[int]:
        answered = self.context.get("answered", {})
        return answered.get(obj.pk, [])


class PurchaseContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = ["number", "amount", "signed_on", "signed_late", "delivered_on", "accepted_on"]
        read_only_fields = fields


class PublicPurchaseContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = ["number", "amount", "signed_on", "delivered_on", "accepted_on"]
        read_only_fields = fields


class PurchaseAwardSerializer(serializers.Serializer):
    awarded_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY)


class PurchaseDocumentSerializer(serializers.ModelSerializer):
    type_label = serializers.CharField(source="get_type_display", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseDocument
        fields = ["id", "type", "type_label", "name", "size", "sha256", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("api-procurement-purchase-document", args=[obj.purchase_id, obj.pk])


def _objection_rows(purchase):
    notice = notice_of(purchase)
    return list(notice.objections.all()) if notice is not None else []


def _answered(objections):
    answered = {}
    for o in sorted(objections, key=lambda o: o.pk):
        if o.justification_id:
            answered.setdefault(o.justification_id, []).append(o.pk)
    return answered


class PurchaseDetailSerializer(PurchaseSerializer):
    """The purchase with everything the user may see of it (read the prefetches of api.purchases.detail_queryset)."""

    recognition_summary = serializers.SerializerMethodField()
    needs_notice = serializers.SerializerMethodField(
        help_text=_("须发布单一来源公示（单一来源且达到公开招标数额标准）")
    )
    notice = serializers.SerializerMethodField()
    objections = serializers.SerializerMethodField(
        help_text=_("采购人可见异议人及联系方式；其他用户只见异议内容和状态")
    )
    open_objection_count = serializers.SerializerMethodField()
    justifications = serializers.SerializerMethodField()
    award = serializers.SerializerMethodField()
    contract = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField(help_text=_("未移除的材料（仅元数据；下载见 download_url）"))

    class Meta(PurchaseSerializer.Meta):
        fields = [
            *PurchaseSerializer.Meta.fields,
            "description",
            "cancel_reason",
            "updated_at",
            "recognition_summary",
            "needs_notice",
            "notice",
            "objections",
            "open_objection_count",
            "justifications",
            "award",
            "contract",
            "documents",
        ]
        read_only_fields = fields

    @extend_schema_field(PurchaseRecognitionSerializer)
    def get_recognition_summary(self, obj):
        return PurchaseRecognitionSerializer(obj.recognition).data

    def get_needs_notice(self, obj) -> bool:
        return workflow.needs_notice(obj)

    @extend_schema_field(PurchaseNoticeSerializer(allow_null=True))
    def get_notice(self, obj):
        notice = notice_of(obj)
        if notice is None:
            return None
        return PurchaseNoticeSerializer(notice, context={"accepting": _accepting(obj)}).data

    @extend_schema_field(PurchaseObjectionForBuyerSerializer(many=True))
    def get_objections(self, obj):
        serializer = (
            PurchaseObjectionForBuyerSerializer if self.context.get("is_buyer") else PurchaseObjectionSerializer
        )
        return serializer(_objection_rows(obj), many=True).data

    def get_open_objection_count(self, obj) -> int:
        return sum(1 for o in _objection_rows(obj) if o.state == PurchaseObjection.State.OPEN)

    @extend_schema_field(PurchaseJustificationSerializer(many=True))
    def get_justifications(self, obj):
        notice = notice_of(obj)
        if notice is None:
            return []
        context = {"answered": _answered(_objection_rows(obj))}
        return PurchaseJustificationSerializer(notice.justifications.all(), many=True, context=context).data

    @extend_schema_field(PurchaseAwardSerializer(allow_null=True))
    def get_award(self, obj):
        if obj.awarded_on is None:
            return None
        return PurchaseAwardSerializer({"awarded_on": obj.awarded_on, "amount": obj.award_amount}).data

    @extend_schema_field(PurchaseContractSerializer(allow_null=True))
    def get_contract(self, obj):
        contract = contract_of(obj)
        return PurchaseContractSerializer(contract).data if contract is not None else None

    @extend_schema_field(PurchaseDocumentSerializer(many=True))
    def get_documents(self, obj):
        return PurchaseDocumentSerializer([d for d in obj.documents.all() if d.removed_at is None], many=True).data


class PublicPurchaseNoticeSerializer(PurchaseNoticeSerializer):
    class Meta(PurchaseNoticeSerializer.Meta):
        fields = [
            "reason",
            "justification",
            "contact",
            "working_days",
            "starts_at",
            "ends_at",
            "closed_at",
            "accepting_objections",
            "experts",
        ]
        read_only_fields = fields


class PublicPurchaseJustificationSerializer(serializers.ModelSerializer):
    answered_objection_count = serializers.SerializerMethodField()

    class Meta:
        model = Justification
        fields = ["text", "experts", "created_at", "answered_objection_count"]
        read_only_fields = fields

    def get_answered_objection_count(self, obj) -> int:
        return len(self.context.get("answered", {}).get(obj.pk, []))


class PublicPurchaseSerializer(_NoticePeriodFields, serializers.ModelSerializer):
    """What the public sees of a purchase whose notice is published or which is awarded (list)."""

    buyer_name = serializers.CharField(source="buyer.name", read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    supplier_uscc = serializers.CharField(source="supplier.uscc", read_only=True)
    certificate_number = serializers.CharField(source="recognition.certificate_number", read_only=True)
    product_name = serializers.CharField(source="recognition.product_name", read_only=True)
    model_spec = serializers.CharField(source="recognition.model_spec", read_only=True)
    level = serializers.CharField(source="recognition.level", read_only=True)
    field = serializers.CharField(source="recognition.field", read_only=True)
    field_label = serializers.SerializerMethodField()
    method_label = serializers.CharField(source="get_method_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    notice_starts_at = serializers.SerializerMethodField()
    notice_ends_at = serializers.SerializerMethodField()
    accepting_objections = serializers.SerializerMethodField()

    class Meta:
        model = Purchase
        fields = [
            "id",
            "number",
            "title",
            "buyer_name",
            "supplier_name",
            "supplier_uscc",
            "certificate_number",
            "product_name",
            "model_spec",
            "level",
            "field",
            "field_label",
            "method",
            "method_label",
            "method_details",
            "quantity",
            "unit",
            "budget",
            "state",
            "state_label",
            "notice_starts_at",
            "notice_ends_at",
            "accepting_objections",
            "awarded_on",
            "award_amount",
        ]
        read_only_fields = fields

    def get_accepting_objections(self, obj) -> bool:
        return self._published_notice(obj) is not None and _accepting(obj)


class PublicPurchaseDetailSerializer(PublicPurchaseSerializer):
    """The public detail: the notice with its experts, the objection counts (never who objected), the
    supplementary justifications, the award and the contract's public facts. No documents."""

    description = serializers.CharField(read_only=True)
    notice = serializers.SerializerMethodField()
    objection_count = serializers.SerializerMethodField()
    open_objection_count = serializers.SerializerMethodField()
    justifications = serializers.SerializerMethodField()
    contract = serializers.SerializerMethodField()

    class Meta(PublicPurchaseSerializer.Meta):
        fields = [
            *PublicPurchaseSerializer.Meta.fields,
            "description",
            "cancel_reason",
            "notice",
            "objection_count",
            "open_objection_count",
            "justifications",
            "contract",
        ]
        read_only_fields = fields

    @extend_schema_field(PublicPurchaseNoticeSerializer(allow_null=True))
    def get_notice(self, obj):
        notice = self._published_notice(obj)
        if notice is None:
            return None
        return PublicPurchaseNoticeSerializer(notice, context={"accepting": _accepting(obj)}).data

    def get_objection_count(self, obj) -> int:
        return len(_objection_rows(obj))

    def get_open_objection_count(self, obj) -> int:
        return sum(1 for o in _objection_rows(obj) if o.state == PurchaseObjection.State.OPEN)

    @extend_schema_field(PublicPurchaseJustificationSerializer(many=True))
    def get_justifications(self, obj):
        notice = notice_of(obj)
        if notice is None:
            return []
        context = {"answered": _answered(_objection_rows(obj))}
        return PublicPurchaseJustificationSerializer(notice.justifications.all(), many=True, context=context).data

    @extend_schema_field(PublicPurchaseContractSerializer(allow_null=True))
    def get_contract(self, obj):
        contract = contract_of(obj)
        return PublicPurchaseContractSerializer(contract).data if contract is not None else None


# --- write -----------------------------------------------------------------------------------------------------


class PurchaseWriteSerializer(serializers.Serializer):
    """A purchase as the buyer records it. On a change (PATCH) every field is optional. The service checks the
    recognition (valid today, refused with the reason), the method's details and the amounts."""

    recognition = serializers.IntegerField(label=_("首台（套）认定"), help_text=_("认定 id"), **ID)
    title = serializers.CharField(max_length=150, label=_("采购项目名称"))
    method = serializers.ChoiceField(choices=Purchase.Method.choices, label=_("采购方式"))
    method_details = serializers.CharField(
        max_length=60, required=False, allow_blank=True, label=_("采购方式说明"), help_text=_("“其他方式”时必填")
    )
    quantity = serializers.IntegerField(min_value=1, max_value=2_147_483_647, label=_("采购数量"))
    unit = serializers.CharField(max_length=10, required=False, label=_("计量单位"))
    budget = serializers.DecimalField(label=_("预算金额（元）"), **MONEY)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000, label=_("采购需求说明"))
    buyer = serializers.IntegerField(
        required=False,
        allow_null=True,
        label=_("采购人"),
        help_text=_("用户属于多个采购人单位时选择其一（单位 id）"),
        **ID,
    )

    def service_kwargs(self):
        data = dict(self.validated_data)
        renames = {"recognition": "recognition_id", "buyer": "buyer_id"}
        return {renames.get(k, k): v for k, v in data.items()}


class PurchaseNoticeExpertWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, allow_blank=True, label=_("姓名"))
    employer = serializers.CharField(max_length=120, allow_blank=True, label=_("工作单位"))
    title = serializers.CharField(max_length=60, allow_blank=True, label=_("职称"))


class PurchaseNoticeWriteSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=5000, label=_("采用单一来源方式的理由"))
    justification = serializers.CharField(allow_blank=True, max_length=10000, label=_("专业人员论证意见"))
    contact = serializers.CharField(allow_blank=True, max_length=2000, label=_("异议受理方式"))
    experts = PurchaseNoticeExpertWriteSerializer(
        many=True, label=_("论证专家"), help_text=_("至少一人，姓名、工作单位、职称齐全")
    )
    working_days = serializers.IntegerField(
        required=False,
        default=MIN_NOTICE_WORKING_DAYS,
        min_value=1,
        max_value=365,
        label=_("公示期（工作日）"),
        help_text=_("不少于5个工作日"),
    )
    starts_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, label=_("公示开始时间"), help_text=_("为空时发布即开始")
    )

    def service_kwargs(self):
        data = dict(self.validated_data)
        data["experts"] = [dict(e) for e in data["experts"]]
        return data


class PurchaseCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000, label=_("终止理由"))


class PurchaseJustifySerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=10000, label=_("补充论证意见"))
    objection_ids = serializers.ListField(
        child=serializers.IntegerField(**ID),
        allow_empty=True,
        max_length=500,
        label=_("答复的异议"),
        help_text=_("本公示待补充论证的异议 id，至少一个"),
    )
    experts = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, label=_("参与补充论证的专业人员")
    )


class PurchaseAwardWriteSerializer(serializers.Serializer):
    awarded_on = serializers.DateField(label=_("成交日期"))
    amount = serializers.DecimalField(label=_("成交金额（元）"), **MONEY)


class PurchaseContractWriteSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=60, label=_("合同编号"))
    amount = serializers.DecimalField(label=_("合同金额（元）"), **MONEY)
    signed_on = serializers.DateField(label=_("签订日期"))
    delivered_on = serializers.DateField(required=False, allow_null=True, default=None, label=_("交付日期"))
    accepted_on = serializers.DateField(required=False, allow_null=True, default=None, label=_("验收日期"))


class NoticePreviewQuerySerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, label=_("公示开始时间"), help_text=_("为空时按现在计算")
    )
    working_days = serializers.IntegerField(
        required=False, default=MIN_NOTICE_WORKING_DAYS, min_value=1, max_value=365, label=_("公示期（工作日）")
    )


class NoticePreviewSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text=_("最后一个工作日的次日零时（北京时间）"))
    last_day = serializers.DateField(help_text=_("公示期的最后一个工作日"))
    warnings = serializers.ListField(child=serializers.CharField(), help_text=_("节假日安排尚未收录的年份等提示"))


class PurchaseDeliverySerializer(serializers.Serializer):
    delivered_on = serializers.DateField(required=False, allow_null=True, default=None, label=_("交付日期"))
    accepted_on = serializers.DateField(required=False, allow_null=True, default=None, label=_("验收日期"))


class PurchaseDocumentUploadSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=PurchaseDocument.Type.choices, label=_("材料类型"))
    file = serializers.FileField(label=_("文件"), help_text=_("PDF，最大 20 MB"))


class PublicPurchaseObjectionSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, label=_("异议人姓名"))
    organisation = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default="", label=_("异议人单位")
    )
    phone = serializers.CharField(max_length=30, label=_("联系电话"), help_text=_("手机号码或固定电话"))
    email = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        default="",
        label=_("电子邮箱"),
        help_text=_("填写后，补充论证意见将通过邮件答复"),
    )
    content = serializers.CharField(max_length=10000, label=_("异议内容"))


class PurchaseObjectionReceiptSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(label=_("受理编号"), help_text=_("凭受理编号和联系电话查询答复"))
    state = serializers.CharField(label=_("状态"))
    state_label = serializers.CharField(label=_("状态名称"))
    created_at = serializers.DateTimeField(label=_("提交时间"))


class PurchaseObjectionStatusQuerySerializer(serializers.Serializer):
    tracking_number = serializers.CharField(max_length=30, label=_("受理编号"))
    phone = serializers.CharField(max_length=30, label=_("联系电话"))


class PurchaseObjectionStatusSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    purchase_number = serializers.CharField()
    purchase_title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    created_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    justification = serializers.CharField(allow_null=True, help_text=_("答复异议的补充论证意见"))


# --- buyer organisations -----------------------------------------------------------------------------------------


class BuyerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField()
    region = serializers.IntegerField(source="region_id")
    region_name = serializers.CharField(source="region.full_name")
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()
    status = serializers.CharField()
    member_count = serializers.IntegerField()
    purchase_count = serializers.IntegerField()


class BuyerMemberSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.display_name")
    email = serializers.CharField(source="user.email")
    is_admin = serializers.BooleanField()
    status = serializers.CharField(source="status_code", help_text="active | invited | inactive")
    status_label = serializers.CharField(source="status_text")
    last_login = serializers.DateTimeField(source="user.last_login", allow_null=True)


class BuyerDetailSerializer(BuyerSerializer):
    members = BuyerMemberSerializer(many=True)


class BuyerWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, allow_blank=True, label=_("单位名称"))
    uscc = serializers.CharField(max_length=30, allow_blank=True, label=_("统一社会信用代码"))
    region = serializers.IntegerField(label=_("所在地区"), help_text=_("设区市或县（市、区）的行政区划 id"), **ID)
    contact_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="", label=_("联系人"))
    contact_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default="", label=_("联系电话")
    )
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="", label=_("联系邮箱"))


class BuyerInviteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, allow_blank=True, label=_("登录用户名"))
    name = serializers.CharField(max_length=60, allow_blank=True, label=_("姓名"))
    email = serializers.CharField(
        max_length=254, allow_blank=True, label=_("电子邮箱"), help_text=_("设置密码的链接发送到该邮箱")
    )
    is_admin = serializers.BooleanField(required=False, default=False, label=_("单位管理员"))


class BuyerResendSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, label=_("登录用户名"), help_text=_("尚未设置密码的本单位用户"))
