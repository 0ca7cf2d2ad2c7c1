"""专家评审: a batch's review round (settings and rubric), panels, assignments, score sheets, declared
conflicts and the province's proposals."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts.fields import INDUSTRY_FIELDS
from certification.catalogue import Level


class ReviewRound(models.Model):
    """One batch's expert review: its settings, rubric and panels. Configured, then started, then closed."""

    class State(models.TextChoices):
        SETUP = "setup", _("配置中")
        STARTED = "started", _("评审中")
        CLOSED = "closed", _("评审结束")

    class Aggregation(models.TextChoices):
        MEAN = "mean", _("算术平均")
        TRIMMED = "trimmed", _("去掉一个最高分和一个最低分后平均（不少于5份评分表时）")

    batch = models.OneToOneField("certification.Batch", on_delete=models.PROTECT, related_name="review_round",
                                 verbose_name=_("批次"))
    experts_per_application = models.PositiveSmallIntegerField(
        _("每项申报评审专家数"), default=5, validators=[MinValueValidator(3), MaxValueValidator(9)])
    aggregation = models.CharField(_("汇总方式"), max_length=10, choices=Aggregation.choices,
                                   default=Aggregation.TRIMMED)
    dispersion_threshold = models.DecimalField(
        _("离散度阈值（标准差）"), max_digits=5, decimal_places=2, default=10,
        validators=[MinValueValidator(0)], help_text=_("各评分表总分（百分制）的标准差超过此值时标记为分歧较大"))
    deadline = models.DateTimeField(_("评审截止时间"))
    state = FSMField(_("状态"), max_length=10, choices=State.choices, default=State.SETUP, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始评审时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束评审时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评审设置")
        verbose_name_plural = _("评审设置")
        constraints = [
            models.CheckConstraint(condition=Q(experts_per_application__gte=3, experts_per_application__lte=9),
                                   name="round_experts_3_to_9"),
        ]

    def __str__(self):
        return f"{self.batch}（{self.get_state_display()}）"

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "state"})

    @transition(field=state, source=State.SETUP, target=State.STARTED)
    def start(self):
        pass

    @transition(field=state, source=State.STARTED, target=State.CLOSED)
    def close(self):
        pass


class Criterion(models.Model):
    """One rubric criterion: what it judges, its maximum points and its weight."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("评分项"), max_length=60)
    description = models.CharField(_("评分要点"), max_length=300, blank=True)
    max_points = models.DecimalField(_("满分"), max_digits=6, decimal_places=2,
                                     validators=[MinValueValidator(0.01)])
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2, default=1,
                                 validators=[MinValueValidator(0.01)])
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["round", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="criterion_name_unique")]

    def __str__(self):
        return self.name


class Panel(models.Model):
    """评审组: the applications of its fields are ranked together; its experts are those of its fields."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="panels")
    name = models.CharField(_("评审组名称"), max_length=60)
    fields = models.JSONField(_("专业领域"), default=list)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评审组")
        verbose_name_plural = _("评审组")
        ordering = ["round", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="panel_name_unique")]

    def __str__(self):
        return self.name

    def field_labels(self):
        labels = dict(INDUSTRY_FIELDS)
        return [labels[f] for f in self.fields if f in labels]


class Assignment(models.Model):
    """One expert on one application. Pending until the expert declares; recused or removed rows are kept."""

    class State(models.TextChoices):
        PENDING = "pending", _("待声明回避")
        ACCEPTED = "accepted", _("已声明无利益冲突")
        RECUSED = "recused", _("已申请回避")
        REMOVED = "removed", _("已撤换")

    class Method(models.TextChoices):
        AUTO = "auto", _("自动分配")
        MANUAL = "manual", _("人工指定")

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="assignments")
    application = models.ForeignKey("certification.Application", on_delete=models.PROTECT,
                                    related_name="assignments", verbose_name=_("申报书"))
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments",
                               verbose_name=_("评审专家"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    method = models.CharField(_("分配方式"), max_length=10, choices=Method.choices, default=Method.AUTO)
    conflict_reason = models.CharField(_("回避理由"), max_length=300, blank=True)
    removed_reason = models.CharField(_("撤换理由"), max_length=300, blank=True)
    declared_at = models.DateTimeField(_("声明时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("分配人"))
    created_at = models.DateTimeField(_("分配时间"), auto_now_add=True)
    last_reminded_at = models.DateTimeField(_("最近提醒时间"), null=True, blank=True)

    ACTIVE = (State.PENDING, State.ACCEPTED)

    class Meta:
        verbose_name = _("评审分配")
        verbose_name_plural = _("评审分配")
        ordering = ["application_id", "id"]
        constraints = [
            # An expert is on an application at most once, ever: a recused or removed expert is not re-added.
            models.UniqueConstraint(fields=["application", "expert"], name="assignment_once_per_expert"),
        ]
        indexes = [
            models.Index(fields=["expert", "state"]),
            models.Index(fields=["round", "state"]),
        ]

    def __str__(self):
        return f"{self.expert} → {self.application}"

    @property
    def is_active(self):
        return self.state in self.ACTIVE


class ScoreSheet(models.Model):
    """评分表: one expert's scores on one application. Draft, then submitted (locked) until staff reopen it."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")

    class Vote(models.TextChoices):
        INTERNATIONAL = Level.INTERNATIONAL.value, Level.INTERNATIONAL.label
        DOMESTIC = Level.DOMESTIC.value, Level.DOMESTIC.label
        PROVINCIAL = Level.PROVINCIAL.value, Level.PROVINCIAL.label
        NONE = "none", _("不予推荐")

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="sheet")
    # Copied from the assignment so that results aggregate over one table.
    application = models.ForeignKey("certification.Application", on_delete=models.PROTECT,
                                    related_name="score_sheets")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    scores = models.JSONField(_("各项得分"), default=dict, blank=True)
    level_vote = models.CharField(_("推荐级别"), max_length=20, choices=Vote.choices, blank=True)
    comment = models.TextField(_("评审意见"), blank=True)
    total = models.DecimalField(_("加权总分（百分制）"), max_digits=6, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    reopened_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        indexes = [models.Index(fields=["application", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="draft") | Q(total__isnull=False, submitted_at__isnull=False),
                name="sheet_submitted_has_total"),
        ]

    def __str__(self):
        return f"{self.assignment}：{self.get_state_display()}"


class ExpertConflict(models.Model):
    """An organisation an expert must not review (利益冲突单位), declared by the expert or recorded by staff."""

    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts",
                               verbose_name=_("专家"))
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("回避单位"))
    reason = models.CharField(_("理由"), max_length=300)
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回避单位")
        verbose_name_plural = _("回避单位")
        constraints = [models.UniqueConstraint(fields=["expert", "organisation"], name="conflict_once")]

    def __str__(self):
        return f"{self.expert} ⟂ {self.organisation}"


class Proposal(models.Model):
    """拟认定: the province's proposed result for one application, with the figures it was decided on."""

    class Outcome(models.TextChoices):
        INTERNATIONAL = Level.INTERNATIONAL.value, Level.INTERNATIONAL.label
        DOMESTIC = Level.DOMESTIC.value, Level.DOMESTIC.label
        PROVINCIAL = Level.PROVINCIAL.value, Level.PROVINCIAL.label
        NOT_PROPOSED = "not_proposed", _("不列入拟认定")

    application = models.OneToOneField("certification.Application", on_delete=models.PROTECT,
                                       related_name="proposal")
    outcome = models.CharField(_("拟认定结果"), max_length=20, choices=Outcome.choices)
    reason = models.TextField(_("理由"), blank=True)
    score = models.DecimalField(_("评审得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("组内排名"), null=True, blank=True)
    majority_vote = models.CharField(_("多数推荐级别"), max_length=20, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"))

    class Meta:
        verbose_name = _("拟认定意见")
        verbose_name_plural = _("拟认定意见")

    def __str__(self):
        return f"{self.application}: {self.get_outcome_display()}"

    @property
    def proposed(self):
        return self.outcome != self.Outcome.NOT_PROPOSED
