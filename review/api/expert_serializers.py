"""Serializers of the expert's own review endpoints (/my/): their progress, their assignments, the application
content once they declared no conflict, and their own sheet. Nothing here reads another expert's row."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from certification.models import Application, Attachment

from ..models import Assignment, ReviewRound, ScoreSheet
from .serializers import (
    CATEGORY_LABELS,
    FIELD_LABELS,
    FORM_LABELS,
    LEVEL_LABELS,
    SHEET_STATE_LABELS,
    SheetScoresMixin,
    label,
    sheet_of,
)


class MyProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField(label=_("评审任务"))
    pending = serializers.IntegerField(label=_("待声明回避"))
    to_score = serializers.IntegerField(label=_("待评分"))
    submitted = serializers.IntegerField(label=_("已提交"))
    deadline = serializers.DateTimeField(allow_null=True, label=_("最近的评审截止时间"))


class MyAssignmentSerializer(serializers.ModelSerializer):
    """The expert's own assignment: the application's identity only, and their own sheet's state."""

    state_label = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    batch = serializers.IntegerField(source="round.batch_id", read_only=True, label=_("批次"))
    batch_name = serializers.CharField(source="round.batch.name", read_only=True, label=_("批次名称"))
    deadline = serializers.DateTimeField(source="round.deadline", read_only=True, label=_("评审截止时间"))
    number = serializers.CharField(source="application.number", read_only=True, label=_("受理编号"))
    product_name = serializers.CharField(source="application.product_name", read_only=True, label=_("产品名称"))
    enterprise_name = serializers.CharField(source="application.enterprise.name", read_only=True,
                                            label=_("申报企业"))
    field = serializers.CharField(source="application.field", read_only=True, label=_("所属领域"))
    field_label = serializers.SerializerMethodField(label=_("所属领域名称"))
    sheet = serializers.SerializerMethodField(label=_("评分表"))
    sheet_state = serializers.SerializerMethodField(label=_("评分表状态"))
    sheet_state_label = serializers.SerializerMethodField(label=_("评分表状态名称"))

    class Meta:
        model = Assignment
        fields = ["id", "state", "state_label", "batch", "batch_name", "deadline", "application", "number",
                  "product_name", "enterprise_name", "field", "field_label", "sheet", "sheet_state",
                  "sheet_state_label"]
        read_only_fields = fields

    def get_field_label(self, obj) -> str:
        return label(FIELD_LABELS, obj.application.field)

    def get_sheet(self, obj) -> int | None:
        sheet = sheet_of(obj)
        return sheet.pk if sheet else None

    def get_sheet_state(self, obj) -> str:
        sheet = sheet_of(obj)
        return sheet.state if sheet else ""

    def get_sheet_state_label(self, obj) -> str:
        sheet = sheet_of(obj)
        return label(SHEET_STATE_LABELS, sheet.state) if sheet else ""


class ExpertAttachmentSerializer(serializers.ModelSerializer):
    type_label = serializers.CharField(source="get_type_display", read_only=True, label=_("附件类型名称"))
    download_url = serializers.SerializerMethodField(label=_("下载地址"))

    class Meta:
        model = Attachment
        fields = ["id", "type", "type_label", "name", "content_type", "size", "sha256", "uploaded_at",
                  "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("attachment_download", args=[obj.pk])


class ExpertApplicationSerializer(serializers.ModelSerializer):
    """What an expert reads of an application they declared no conflict on: its content and attachments. No
    workflow state (it would reveal the proposal), no bureau decisions, nothing of other experts."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, label=_("申报企业"))
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("所在地区"))
    city_name = serializers.CharField(source="city.name", read_only=True, label=_("设区市"))
    category_label = serializers.SerializerMethodField(label=_("产品类别名称"))
    equipment_form_label = serializers.SerializerMethodField(label=_("装备形式名称"))
    declared_level_label = serializers.SerializerMethodField(label=_("申报级别名称"))
    field_label = serializers.SerializerMethodField(label=_("所属领域名称"))
    attachments = serializers.SerializerMethodField(label=_("附件"))

    class Meta:
        model = Application
        fields = ["id", "number", "enterprise_name", "region_name", "city_name", "product_name", "model_spec",
                  "category", "category_label", "equipment_form", "equipment_form_label", "declared_level",
                  "declared_level_label", "field", "field_label", "innovation_points", "indicators", "ip_items",
                  "first_sale_contract", "first_sale_date", "first_sale_price", "first_sale_buyer", "submitted_at",
                  "attachments"]
        read_only_fields = fields

    def get_category_label(self, obj) -> str:
        return label(CATEGORY_LABELS, obj.category)

    def get_equipment_form_label(self, obj) -> str:
        return label(FORM_LABELS, obj.equipment_form)

    def get_declared_level_label(self, obj) -> str:
        return label(LEVEL_LABELS, obj.declared_level)

    def get_field_label(self, obj) -> str:
        return label(FIELD_LABELS, obj.field)

    @extend_schema_field(ExpertAttachmentSerializer(many=True))
    def get_attachments(self, obj):
        # Only attachments of a submitted revision: the download view refuses the others to anyone but the
        # enterprise (set by the view from certification.queries).
        shown = self.context["attachment_ids"]
        rows = [a for a in obj.attachments.all() if a.pk in shown]
        return ExpertAttachmentSerializer(rows, many=True).data


class MyAssignmentDetailSerializer(MyAssignmentSerializer):
    """One assignment; the application's content only once the expert has declared no conflict."""

    actions = serializers.SerializerMethodField(label=_("可执行的操作"),
                                                help_text=_("declare：声明有无利益冲突；score：填写评分表"))
    content = serializers.SerializerMethodField(label=_("申报内容"),
                                                help_text=_("声明无利益冲突后才提供"))

    class Meta(MyAssignmentSerializer.Meta):
        fields = [*MyAssignmentSerializer.Meta.fields, "declared_at", "actions", "content"]
        read_only_fields = fields

    def get_actions(self, obj) -> list[str]:
        if obj.round.state != ReviewRound.State.STARTED:
            return []
        if obj.state == Assignment.State.PENDING:
            return ["declare"]
        sheet = sheet_of(obj)
        if obj.state == Assignment.State.ACCEPTED and sheet and sheet.state == ScoreSheet.State.DRAFT:
            return ["score"]
        return []

    @extend_schema_field(ExpertApplicationSerializer(allow_null=True))
    def get_content(self, obj):
        application = self.context.get("application")
        if obj.state != Assignment.State.ACCEPTED or application is None:
            return None
        return ExpertApplicationSerializer(application, context=self.context).data


class DeclareSerializer(serializers.Serializer):
    conflict = serializers.BooleanField(label=_("存在利益冲突"))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300,
                                   label=_("回避理由"), help_text=_("声明存在利益冲突时必填"))


class MySheetSerializer(SheetScoresMixin, serializers.ModelSerializer):
    """The expert's own sheet: the rubric with their scores, their vote and comment, and whether it is open."""

    number = serializers.CharField(source="application.number", read_only=True, label=_("受理编号"))
    product_name = serializers.CharField(source="application.product_name", read_only=True, label=_("产品名称"))
    scores = serializers.DictField(child=serializers.CharField(), read_only=True, label=_("各项得分"),
                                   help_text=_("评分项 id → 得分"))
    deadline = serializers.DateTimeField(source="assignment.round.deadline", read_only=True,
                                         label=_("评审截止时间"))
    editable = serializers.SerializerMethodField(label=_("可修改"))

    class Meta:
        model = ScoreSheet
        fields = ["id", "assignment", "application", "number", "product_name", "state", "state_label", "criteria",
                  "scores", "total", "level_vote", "level_vote_label", "comment", "submitted_at", "updated_at",
                  "deadline", "editable"]
        read_only_fields = fields

    def get_editable(self, obj) -> bool:
        a = obj.assignment
        return (a.state == Assignment.State.ACCEPTED and obj.state == ScoreSheet.State.DRAFT
                and a.round.state == ReviewRound.State.STARTED and a.round.deadline > timezone.now())


class SheetWriteSerializer(serializers.Serializer):
    """A draft: every part optional; each given score must be valid (the service names the criterion)."""

    scores = serializers.DictField(child=serializers.CharField(allow_null=True, allow_blank=True), required=False,
                                   default=dict, label=_("各项得分"), help_text=_("评分项 id → 得分（0 至满分，最多一位小数）"))
    level_vote = serializers.ChoiceField(choices=ScoreSheet.Vote.choices, required=False, allow_blank=True,
                                         default="", label=_("推荐级别"))
    comment = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False,
                                    label=_("评审意见"))


class SheetSubmitSerializer(SheetWriteSerializer):
    confirmed = serializers.BooleanField(required=False, default=False, label=_("确认评分无误"),
                                         help_text=_("提交后评分表锁定，不能再修改"))
