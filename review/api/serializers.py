"""Serializers of the expert-review API for province staff (rounds, assignments, results, sheets, proposals), and
the helpers the expert's serializers share (expert_serializers.py, kept apart: an expert serializer never
reads another expert's row)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.fields import INDUSTRY_FIELDS
from accounts.models import User
from certification.catalogue import Category, EquipmentForm, Level
from certification.models import Application, Batch

from ..models import Assignment, Criterion, Panel, Proposal, ReviewRound, ScoreSheet
from ..services.rounds import SETTINGS_FIELDS

FIELD_LABELS = dict(INDUSTRY_FIELDS)
LEVEL_LABELS = dict(Level.choices)
CATEGORY_LABELS = dict(Category.choices)
FORM_LABELS = dict(EquipmentForm.choices)
VOTE_LABELS = dict(ScoreSheet.Vote.choices)
OUTCOME_LABELS = dict(Proposal.Outcome.choices)
SHEET_STATE_LABELS = dict(ScoreSheet.State.choices)


def label(mapping, key):
    value = mapping.get(key)
    return str(value) if value is not None else ""


def sheet_of(assignment):
    """The assignment's sheet, or None (every assignment gets one on creation; this is only defensive)."""
    try:
        return assignment.sheet
    except ScoreSheet.DoesNotExist:
        return None


# --- rounds: settings, rubric, panels, progress -----------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "name", "description", "max_points", "weight", "position"]
        read_only_fields = fields


class CriterionInputSerializer(serializers.Serializer):
    """One row of PUT /rounds/{id}/criteria/ (the service checks the rows and names the faulty one)."""

    name = serializers.CharField(max_length=60, label=_("评分项"))
    description = serializers.CharField(required=False, allow_blank=True, max_length=300, label=_("评分要点"))
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2, label=_("满分"))
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, label=_("权重"),
                                      help_text=_("默认为1"))


class PanelSerializer(serializers.ModelSerializer):
    fields = serializers.ListField(child=serializers.ChoiceField(choices=INDUSTRY_FIELDS), read_only=True,
                                   label=_("专业领域"))
    field_labels = serializers.SerializerMethodField(label=_("专业领域名称"))

    class Meta:
        model = Panel
        fields = ["id", "name", "fields", "field_labels", "position"]
        read_only_fields = fields

    def get_field_labels(self, obj) -> list[str]:
        return [str(x) for x in obj.field_labels()]


class PanelInputSerializer(serializers.Serializer):
    """One row of PUT /rounds/{id}/panels/."""

    name = serializers.CharField(max_length=60, label=_("评审组名称"))
    fields = serializers.ListField(child=serializers.ChoiceField(choices=INDUSTRY_FIELDS), label=_("专业领域"))


class ProgressSerializer(serializers.Serializer):
    active = serializers.IntegerField(label=_("在评分配数"), help_text=_("待声明和已声明无利益冲突的分配"))
    submitted = serializers.IntegerField(label=_("已提交评分表"))
    recused = serializers.IntegerField(label=_("已回避"), help_text=_("声明回避、待补派的分配"))


class RoundSerializer(serializers.ModelSerializer):
    batch_name = serializers.CharField(source="batch.name", read_only=True, label=_("批次名称"))
    state_label = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    aggregation_label = serializers.CharField(source="get_aggregation_display", read_only=True,
                                              label=_("汇总方式名称"))
    criteria = CriterionSerializer(many=True, read_only=True, label=_("评分细则"))
    panels = PanelSerializer(many=True, read_only=True, label=_("评审组"))
    progress = serializers.SerializerMethodField(label=_("评审进度"))

    class Meta:
        model = ReviewRound
        fields = ["id", "batch", "batch_name", "state", "state_label", "experts_per_application", "aggregation",
                  "aggregation_label", "dispersion_threshold", "deadline", "created_at", "started_at", "closed_at",
                  "criteria", "panels", "progress"]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, obj):
        # Lists annotate the counts (one query for the page); a single round reads results.progress.
        if hasattr(obj, "progress_active"):
            return {"active": obj.progress_active, "submitted": obj.progress_submitted,
                    "recused": obj.progress_recused}
        from ..results import progress

        return progress(obj)


class RoundCreateSerializer(serializers.Serializer):
    batch = serializers.PrimaryKeyRelatedField(queryset=Batch.objects.all(), label=_("批次"))


class RoundSettingsSerializer(serializers.ModelSerializer):
    """PATCH /rounds/{id}/: any of the settings; the service checks the state and that the deadline is ahead."""

    class Meta:
        model = ReviewRound
        fields = SETTINGS_FIELDS
        extra_kwargs = {name: {"required": False} for name in SETTINGS_FIELDS}


# --- assignment ---------------------------------------------------------------------------------------------


class AutoAssignSerializer(serializers.Serializer):
    applications = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                         required=False, allow_empty=False, max_length=10000, label=_("申报书"),
                                         help_text=_("只为这些申报分配；不填则为本批次全部申报"))


class ShortageSerializer(serializers.Serializer):
    application = serializers.IntegerField(label=_("申报书"))
    number = serializers.CharField(label=_("受理编号"))
    product_name = serializers.CharField(label=_("产品名称"))
    needed = serializers.IntegerField(label=_("尚缺专家数"))
    assigned = serializers.IntegerField(label=_("本次分配数"))
    in_field = serializers.IntegerField(label=_("该领域在库专家数"))
    available = serializers.IntegerField(label=_("可新分配专家数"))
    message = serializers.CharField(label=_("说明"))


class AutoAssignResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(label=_("新增分配数"))
    shortages = ShortageSerializer(many=True, label=_("专家不足的申报"))


class AssignmentSerializer(serializers.ModelSerializer):
    """Staff's row of an assignment: who, on what, in which state, and their sheet's state and total."""

    number = serializers.CharField(source="application.number", read_only=True, label=_("受理编号"))
    product_name = serializers.CharField(source="application.product_name", read_only=True, label=_("产品名称"))
    enterprise_name = serializers.CharField(source="application.enterprise.name", read_only=True,
                                            label=_("申报企业"))
    expert_name = serializers.SerializerMethodField(label=_("专家姓名"))
    employer_name = serializers.SerializerMethodField(label=_("工作单位"))
    state_label = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    method_label = serializers.CharField(source="get_method_display", read_only=True, label=_("分配方式名称"))
    sheet = serializers.SerializerMethodField(label=_("评分表"))
    sheet_state = serializers.SerializerMethodField(label=_("评分表状态"))
    sheet_state_label = serializers.SerializerMethodField(label=_("评分表状态名称"))
    sheet_total = serializers.SerializerMethodField(label=_("加权总分（百分制）"))

    class Meta:
        model = Assignment
        fields = ["id", "round", "application", "number", "product_name", "enterprise_name", "expert",
                  "expert_name", "employer_name", "state", "state_label", "method", "method_label",
                  "conflict_reason", "removed_reason", "declared_at", "created_at", "sheet", "sheet_state",
                  "sheet_state_label", "sheet_total"]
        read_only_fields = fields

    def get_expert_name(self, obj) -> str:
        return str(obj.expert)

    def get_employer_name(self, obj) -> str:
        profile = getattr(obj.expert, "expert_profile", None)
        return profile.employer.name if profile is not None and profile.employer_id else ""

    def get_sheet(self, obj) -> int | None:
        sheet = sheet_of(obj)
        return sheet.pk if sheet else None

    def get_sheet_state(self, obj) -> str:
        sheet = sheet_of(obj)
        return sheet.state if sheet else ""

    def get_sheet_state_label(self, obj) -> str:
        sheet = sheet_of(obj)
        return label(SHEET_STATE_LABELS, sheet.state) if sheet else ""

    @extend_schema_field(serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True))
    def get_sheet_total(self, obj):
        sheet = sheet_of(obj)
        return None if sheet is None or sheet.total is None else str(sheet.total)


class AddAssignmentSerializer(serializers.Serializer):
    application = serializers.PrimaryKeyRelatedField(queryset=Application.objects.all(), label=_("申报书"))
    expert = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), label=_("评审专家"))


class RemoveAssignmentSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300,
                                   label=_("撤换理由"))


# --- results and board ----------------------------------------------------------------------------------------


class PanelRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(label=_("评审组名称"))


class ResultRowSerializer(serializers.Serializer):
    """One application of results.ranking: its aggregate, dispersion, votes and proposal."""

    rank = serializers.IntegerField(allow_null=True, label=_("组内排名"))
    application = serializers.IntegerField(source="id", label=_("申报书"))
    number = serializers.CharField(label=_("受理编号"))
    product_name = serializers.CharField(label=_("产品名称"))
    enterprise = serializers.CharField(label=_("申报企业"))
    field = serializers.CharField(label=_("所属领域"))
    field_label = serializers.SerializerMethodField(label=_("所属领域名称"))
    declared_level = serializers.CharField(label=_("申报级别"))
    declared_level_label = serializers.SerializerMethodField(label=_("申报级别名称"))
    panel = PanelRefSerializer(allow_null=True, label=_("评审组"))
    sheets = serializers.IntegerField(label=_("已提交评分表"))
    pending = serializers.IntegerField(label=_("未提交评分表"))
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, label=_("评审得分"))
    stdev = serializers.DecimalField(source="aggregate.stdev", max_digits=6, decimal_places=2, allow_null=True,
                                     label=_("标准差"))
    dispersed = serializers.BooleanField(source="aggregate.dispersed", label=_("分歧较大"))
    trimmed = serializers.BooleanField(source="aggregate.trimmed", label=_("已去掉最高分和最低分"))
    votes = serializers.DictField(child=serializers.IntegerField(), label=_("推荐级别票数"))
    majority = serializers.CharField(label=_("多数推荐级别"))
    majority_label = serializers.SerializerMethodField(label=_("多数推荐级别名称"))
    proposal = serializers.CharField(label=_("拟认定结果"))
    proposal_label = serializers.SerializerMethodField(label=_("拟认定结果名称"))

    def get_field_label(self, row) -> str:
        return label(FIELD_LABELS, row.field)

    def get_declared_level_label(self, row) -> str:
        return label(LEVEL_LABELS, row.declared_level)

    def get_majority_label(self, row) -> str:
        return label(VOTE_LABELS, row.majority)

    def get_proposal_label(self, row) -> str:
        return label(OUTCOME_LABELS, row.proposal)


class BoardExpertSerializer(serializers.Serializer):
    expert = serializers.IntegerField(source="expert_id", label=_("评审专家"))
    expert_name = serializers.SerializerMethodField(label=_("专家姓名"))
    active = serializers.IntegerField(label=_("在评"))
    pending = serializers.IntegerField(label=_("待声明"))
    accepted = serializers.IntegerField(label=_("已声明无利益冲突"))
    submitted = serializers.IntegerField(label=_("已提交评分表"))
    recused = serializers.IntegerField(label=_("已回避"))
    removed = serializers.IntegerField(label=_("已撤换"))

    def get_expert_name(self, row) -> str:
        return row["expert__display_name"] or row["expert__username"]


class UnderstaffedSerializer(serializers.Serializer):
    id = serializers.IntegerField(label=_("申报书"))
    number = serializers.CharField(label=_("受理编号"))
    product_name = serializers.CharField(label=_("产品名称"))
    field = serializers.CharField(label=_("所属领域"))
    active = serializers.IntegerField(label=_("在评专家数"))


class BoardSerializer(serializers.Serializer):
    progress = ProgressSerializer(label=_("评审进度"))
    experts = BoardExpertSerializer(many=True, label=_("各专家进度"))
    understaffed = UnderstaffedSerializer(many=True, label=_("专家不足的申报"))


# --- sheets (staff) and proposals -----------------------------------------------------------------------------


class CriterionScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(label=_("评分项"))
    name = serializers.CharField(label=_("评分项名称"))
    description = serializers.CharField(label=_("评分要点"))
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2, label=_("满分"))
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, label=_("权重"))
    score = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True, label=_("得分"))


def criterion_scores(criteria, scores):
    """The rubric with one sheet's score on each criterion (None when not scored yet)."""
    scores = scores or {}
    return [
        {"criterion": c.pk, "name": c.name, "description": c.description, "max_points": c.max_points,
         "weight": c.weight, "score": scores.get(str(c.pk))}
        for c in criteria
    ]


class SheetScoresMixin(serializers.Serializer):
    criteria = serializers.SerializerMethodField(label=_("各项得分"))
    state_label = serializers.CharField(source="get_state_display", read_only=True, label=_("状态名称"))
    level_vote_label = serializers.SerializerMethodField(label=_("推荐级别名称"))

    @extend_schema_field(CriterionScoreSerializer(many=True))
    def get_criteria(self, obj):
        return CriterionScoreSerializer(criterion_scores(self.context["criteria"], obj.scores), many=True).data

    def get_level_vote_label(self, obj) -> str:
        return label(VOTE_LABELS, obj.level_vote)


class StaffSheetSerializer(SheetScoresMixin, serializers.ModelSerializer):
    """Every sheet of an application, for province staff: the expert, scores, total, vote and comment."""

    expert = serializers.IntegerField(source="assignment.expert_id", read_only=True, label=_("评审专家"))
    expert_name = serializers.SerializerMethodField(label=_("专家姓名"))
    employer_name = serializers.SerializerMethodField(label=_("工作单位"))
    assignment_state = serializers.CharField(source="assignment.state", read_only=True, label=_("分配状态"))
    assignment_state_label = serializers.CharField(source="assignment.get_state_display", read_only=True,
                                                   label=_("分配状态名称"))

    class Meta:
        model = ScoreSheet
        fields = ["id", "assignment", "application", "expert", "expert_name", "employer_name", "assignment_state",
                  "assignment_state_label", "state", "state_label", "criteria", "total", "level_vote",
                  "level_vote_label", "comment", "submitted_at", "updated_at", "reopened_count"]
        read_only_fields = fields

    def get_expert_name(self, obj) -> str:
        return str(obj.assignment.expert)

    def get_employer_name(self, obj) -> str:
        profile = getattr(obj.assignment.expert, "expert_profile", None)
        return profile.employer.name if profile is not None and profile.employer_id else ""


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300,
                                   label=_("退回理由"))


class ProposalSerializer(serializers.ModelSerializer):
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True, label=_("拟认定结果名称"))
    majority_vote_label = serializers.SerializerMethodField(label=_("多数推荐级别名称"))
    decided_by_name = serializers.SerializerMethodField(label=_("决定人"))

    class Meta:
        model = Proposal
        fields = ["application", "outcome", "outcome_label", "reason", "score", "rank", "majority_vote",
                  "majority_vote_label", "decided_by", "decided_by_name", "decided_at"]
        read_only_fields = fields

    def get_majority_vote_label(self, obj) -> str:
        return label(VOTE_LABELS, obj.majority_vote)

    def get_decided_by_name(self, obj) -> str:
        return str(obj.decided_by)


class ProposalStatusSerializer(serializers.Serializer):
    """An application's review result (its ranking row) and the proposal recorded for it, if any."""

    application = serializers.IntegerField(label=_("申报书"))
    result = ResultRowSerializer(allow_null=True, label=_("评审结果"))
    proposal = ProposalSerializer(allow_null=True, label=_("拟认定意见"))


class ProposalInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Proposal.Outcome.choices, label=_("拟认定结果"))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000, label=_("理由"),
                                   help_text=_("与申报级别或专家多数意见不一致时必填"))
