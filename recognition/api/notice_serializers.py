"""Serializers of the notice and objection API: staff's full rows, and the public's (no objector data, no staff
fields)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from certification.catalogue import Level
from certification.models import Batch

from ..models import MIN_NOTICE_WORKING_DAYS, Notice, NoticeItem, Objection
from ..services.notices import MAX_WORKING_DAYS
from ..services.objections import EVIDENCE_MAX_MB

NOTICE_FIELDS = ["id", "title", "body", "contact", "working_days", "starts_at", "ends_at", "state", "state_label"]


class NoticeItemSerializer(serializers.ModelSerializer):
    """One item of a notice as the public sees it."""

    enterprise_name = serializers.CharField(source="application.enterprise.name", read_only=True,
                                            label=_("企业名称"))
    product_name = serializers.CharField(source="application.product_name", read_only=True, label=_("产品名称"))
    model_spec = serializers.CharField(source="application.model_spec", read_only=True, label=_("型号规格"))
    level_label = serializers.CharField(source="get_level_display", read_only=True, label=_("拟认定级别名称"))
    state_label = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))

    class Meta:
        model = NoticeItem
        fields = ["id", "position", "enterprise_name", "product_name", "model_spec", "level", "level_label",
                  "state", "state_label"]
        read_only_fields = fields


class StaffNoticeItemSerializer(NoticeItemSerializer):
    number = serializers.CharField(source="application.number", read_only=True, label=_("受理编号"))
    objection_count = serializers.IntegerField(read_only=True, label=_("异议数"))
    open_objection_count = serializers.IntegerField(read_only=True, label=_("待处理异议数"))
    ready_for_recognition = serializers.BooleanField(read_only=True, label=_("可认定"),
                                                     help_text=_("公示已结束、仍在列、无待处理异议"))

    class Meta(NoticeItemSerializer.Meta):
        fields = [*NoticeItemSerializer.Meta.fields, "application", "number", "change_reason", "objection_count",
                  "open_objection_count", "ready_for_recognition"]
        read_only_fields = fields


class PublicNoticeSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    accepting_objections = serializers.BooleanField(read_only=True, label=_("正在受理异议"))

    class Meta:
        model = Notice
        fields = [*NOTICE_FIELDS, "accepting_objections"]
        read_only_fields = fields


class PublicNoticeDetailSerializer(PublicNoticeSerializer):
    items = NoticeItemSerializer(many=True, read_only=True, source="item_rows", label=_("公示项目"))

    class Meta(PublicNoticeSerializer.Meta):
        fields = [*PublicNoticeSerializer.Meta.fields, "items"]
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer):
    """Staff's notice: the public fields plus the batch, counts, dates and the actions open now."""

    state_label = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    batch_name = serializers.CharField(source="batch.name", read_only=True, label=_("批次名称"))
    item_count = serializers.IntegerField(read_only=True, label=_("项目数"))
    open_objection_count = serializers.IntegerField(read_only=True, label=_("待处理异议数"))
    calendar_warnings = serializers.ListField(child=serializers.CharField(), read_only=True,
                                              label=_("节假日安排提示"))
    actions = serializers.ListField(child=serializers.CharField(), read_only=True, label=_("可执行操作"),
                                    help_text=_("edit、publish、close 中当前可执行的"))

    class Meta:
        model = Notice
        fields = [*NOTICE_FIELDS, "batch", "batch_name", "item_count", "open_objection_count", "created_at",
                  "published_at", "closed_at", "calendar_warnings", "actions"]
        read_only_fields = fields


class NoticeCreateSerializer(serializers.Serializer):
    batch = serializers.PrimaryKeyRelatedField(queryset=Batch.objects.all(), label=_("批次"))
    title = serializers.CharField(max_length=150, label=_("公示标题"))
    body = serializers.CharField(required=False, allow_blank=True, default="", label=_("公示说明"))
    contact = serializers.CharField(label=_("异议受理方式"))
    starts_at = serializers.DateTimeField(label=_("公示开始时间"))
    working_days = serializers.IntegerField(min_value=MIN_NOTICE_WORKING_DAYS, max_value=MAX_WORKING_DAYS,
                                            default=MIN_NOTICE_WORKING_DAYS, label=_("公示期（工作日）"))


class NoticeUpdateSerializer(serializers.Serializer):
    """PATCH: any of these; the items are brought up to date with the batch's proposals at the same time."""

    title = serializers.CharField(max_length=150, required=False, label=_("公示标题"))
    body = serializers.CharField(required=False, allow_blank=True, label=_("公示说明"))
    contact = serializers.CharField(required=False, label=_("异议受理方式"))
    starts_at = serializers.DateTimeField(required=False, label=_("公示开始时间"))
    working_days = serializers.IntegerField(min_value=MIN_NOTICE_WORKING_DAYS, max_value=MAX_WORKING_DAYS,
                                            required=False, label=_("公示期（工作日）"))


class ObjectionSerializer(serializers.ModelSerializer):
    """Staff's objection: the objector, the item, the evidence's metadata and the decision."""

    state_label = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    notice = serializers.IntegerField(source="item.notice_id", read_only=True, label=_("公示"))
    notice_title = serializers.CharField(source="item.notice.title", read_only=True, label=_("公示标题"))
    enterprise_name = serializers.CharField(source="item.application.enterprise.name", read_only=True,
                                            label=_("企业名称"))
    product_name = serializers.CharField(source="item.application.product_name", read_only=True,
                                         label=_("产品名称"))
    has_evidence = serializers.SerializerMethodField(label=_("有证明材料"))
    actions = serializers.SerializerMethodField(label=_("可执行操作"),
                                                help_text=_("investigate、uphold、dismiss 中当前可执行的"))

    class Meta:
        model = Objection
        fields = ["id", "tracking_number", "item", "notice", "notice_title", "enterprise_name", "product_name",
                  "name", "organisation", "phone", "email", "content", "has_evidence", "evidence_name",
                  "evidence_size", "evidence_sha256", "state", "state_label", "created_at", "action", "new_level",
                  "reply", "resolved_at", "reply_sent_at", "actions"]
        read_only_fields = fields

    def get_has_evidence(self, obj) -> bool:
        return bool(obj.evidence_path)

    def get_actions(self, obj) -> list[str]:
        from ..services.objections import available_actions

        return available_actions(obj, self.context["request"].user)


class UpholdSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Objection.Action.choices, label=_("处理措施"))
    new_level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True,
                                        label=_("调整后级别"), help_text=_("处理措施为 change_level 时必填"))
    reply = serializers.CharField(label=_("处理意见（答复异议人）"))


class DismissSerializer(serializers.Serializer):
    reply = serializers.CharField(label=_("答复意见"))


class PublicObjectionSerializer(serializers.Serializer):
    """POST /public/objections/ (multipart when a file is attached)."""

    item = serializers.IntegerField(min_value=1, max_value=2**63 - 1, label=_("异议项目（公示项目 id）"))
    name = serializers.CharField(max_length=60, label=_("异议人姓名"))
    organisation = serializers.CharField(max_length=120, required=False, allow_blank=True, default="",
                                         label=_("异议人单位"))
    phone = serializers.CharField(max_length=30, label=_("联系电话"), help_text=_("手机号码或固定电话"))
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="",
                                  label=_("电子邮箱"))
    content = serializers.CharField(label=_("异议内容"))
    evidence = serializers.FileField(required=False, allow_null=True, label=_("证明材料"),
                                     help_text=_("PDF、JPG 或 PNG，不超过 %(n)s MB") % {"n": EVIDENCE_MAX_MB})


class ObjectionReceiptSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(label=_("受理编号"))
    state = serializers.CharField(label=_("状态"))
    state_label = serializers.CharField(label=_("状态名称"))
    created_at = serializers.DateTimeField(label=_("提交时间"))


class StatusQuerySerializer(serializers.Serializer):
    tracking_number = serializers.CharField(max_length=30, label=_("受理编号"))
    phone = serializers.CharField(max_length=30, label=_("联系电话"))


class ObjectionStatusSerializer(serializers.ModelSerializer):
    """What the objector sees: the state and, once decided, the reply."""

    state_label = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    notice_title = serializers.CharField(source="item.notice.title", read_only=True, label=_("公示标题"))
    product_name = serializers.CharField(source="item.application.product_name", read_only=True,
                                         label=_("产品名称"))
    reply = serializers.SerializerMethodField(label=_("处理意见"))

    class Meta:
        model = Objection
        fields = ["tracking_number", "notice_title", "product_name", "state", "state_label", "created_at", "action",
                  "new_level", "reply", "resolved_at"]
        read_only_fields = fields

    def get_reply(self, obj) -> str:
        return obj.reply if obj.state in (Objection.State.UPHELD, Objection.State.DISMISSED) else ""
