"""保险补偿: rule sets (versioned), policies on recognised products with their units, compensation claims,
their typed documents and the joint review's sign-offs."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

RATIO = dict(max_digits=5, decimal_places=4, validators=[MinValueValidator(0), MaxValueValidator(1)])
MONEY = dict(max_digits=16, decimal_places=2)


class RuleSet(models.Model):
    """The compensation rules of one year (optionally one batch). Never edited in place: a change writes a new
    version and the old ones stay, so a claim keeps the version it was computed and approved with."""

    year = models.PositiveSmallIntegerField(_("年度"))
    batch = models.ForeignKey("certification.Batch", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("适用批次"), help_text=_("为空时适用于全年"))
    version = models.PositiveIntegerField(_("版本"))
    current = models.BooleanField(_("现行版本"), default=True)
    window_start = models.DateField(_("保单起保日期不早于"))
    window_end = models.DateField(_("保单起保日期不晚于"))
    rate_cap = models.DecimalField(_("费率上限"), default=Decimal("0.02"), **RATIO)
    ratio_international = models.DecimalField(_("首年补偿比例（国际首台）"), default=Decimal("0.90"), **RATIO)
    ratio_domestic = models.DecimalField(_("首年补偿比例（国内首台）"), default=Decimal("0.80"), **RATIO)
    ratio_provincial = models.DecimalField(_("首年补偿比例（省内首台）"), default=Decimal("0.70"), **RATIO)
    yearly_step = models.DecimalField(_("逐年递减（百分点）"), default=Decimal("0.10"), **RATIO)
    yearly_cap = models.DecimalField(_("每年补偿上限（元）"), default=Decimal("5000000"), **MONEY)
    max_years = models.PositiveSmallIntegerField(_("最长补偿年限"), default=3,
                                                 validators=[MinValueValidator(1), MaxValueValidator(10)])
    first_units = models.PositiveSmallIntegerField(_("首台（套）台数"), default=3)
    first_batch_months = models.PositiveSmallIntegerField(_("首批次合同间隔（月）"), default=3)
    first_batch_max_units = models.PositiveSmallIntegerField(_("首批次最多台数"), default=50)
    component_months = models.PositiveSmallIntegerField(_("零部件首年合同间隔（月）"), default=12)
    exclude_national = models.BooleanField(_("已获国家补偿的保单不予补偿"), default=True)
    exclude_application_reward = models.BooleanField(_("已获应用奖励的设备不予补偿"), default=True)
    note = models.TextField(_("修订说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("补偿规则")
        verbose_name_plural = _("补偿规则")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "batch", "version"], name="ruleset_version_unique"),
            models.UniqueConstraint(fields=["year", "batch"], condition=Q(current=True),
                                    name="ruleset_one_current"),
            models.CheckConstraint(condition=Q(window_end__gte=models.F("window_start")), name="ruleset_window"),
        ]

    def __str__(self):
        return f"{self.year} v{self.version}"


class Policy(models.Model):
    """保单: the maker's quality and liability policy on units of a recognised product sold to a user."""

    enterprise = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="policies",
                                   verbose_name=_("投保企业"))
    recognition = models.ForeignKey("recognition.Recognition", on_delete=models.PROTECT, related_name="policies",
                                    verbose_name=_("认定"))
    insurer = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="insured_policies",
                                verbose_name=_("保险机构"))
    policy_number = models.CharField(_("保单号"), max_length=60)
    buyer = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="bought_policies",
                              verbose_name=_("用户单位"))
    equipment_value = models.DecimalField(_("设备价值（元）"), **MONEY)
    premium = models.DecimalField(_("保费（元）"), **MONEY)
    coverage_limit = models.DecimalField(_("责任限额（元）"), **MONEY)
    starts_on = models.DateField(_("保险起期"))
    ends_on = models.DateField(_("保险止期"))
    premium_paid_on = models.DateField(_("保费全额缴清日期"), null=True, blank=True)
    renewal_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals",
                                   verbose_name=_("续保自"))
    national_compensation = models.BooleanField(_("已获国家保险补偿"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("保单")
        verbose_name_plural = _("保单")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["insurer", "policy_number"], name="policy_number_per_insurer"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="policy_period"),
            models.CheckConstraint(condition=Q(premium__gt=0, equipment_value__gt=0, coverage_limit__gt=0),
                                   name="policy_amounts_positive"),
        ]

    def __str__(self):
        return self.policy_number


class PolicyUnit(models.Model):
    """One insured unit (台/套) and the sale contract it was delivered under."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="units")
    serial_number = models.CharField(_("出厂编号"), max_length=60)
    contract_number = models.CharField(_("销售合同编号"), max_length=60)
    contract_date = models.DateField(_("合同签订日期"))
    delivered_on = models.DateField(_("交付日期"))
    application_reward = models.BooleanField(_("已获应用奖励"), default=False)

    class Meta:
        verbose_name = _("投保设备")
        verbose_name_plural = _("投保设备")
        ordering = ["policy", "contract_date", "id"]
        constraints = [models.UniqueConstraint(fields=["policy", "serial_number"], name="policy_unit_once")]

    def __str__(self):
        return self.serial_number


class Claim(models.Model):
    """补偿申请: one year of cover of one recognition's policies, reviewed locally and then jointly."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        LOCAL_REVIEW = "local_review", _("地方初审")
        JOINT_REVIEW = "joint_review", _("部门联审")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("审核通过")
        PAYABLE = "payable", _("待拨付")
        REJECTED = "rejected", _("不予补偿")

    enterprise = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="claims",
                                   verbose_name=_("申请企业"))
    recognition = models.ForeignKey("recognition.Recognition", on_delete=models.PROTECT, related_name="claims",
                                    verbose_name=_("认定"))
    policies = models.ManyToManyField(Policy, related_name="claims", verbose_name=_("保单"))
    cover_year = models.PositiveSmallIntegerField(_("补偿年度（第几年）"), validators=[MinValueValidator(1)])
    number = models.CharField(_("申请编号"), max_length=24, unique=True)
    # The enterprise's city and county when filed: the local review and scoping use them.
    city = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("设区市"))
    region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("县（市、区）"))
    state = FSMField(_("状态"), max_length=14, choices=State.choices, default=State.DRAFT, protected=True)
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, null=True, blank=True, related_name="claims",
                                 verbose_name=_("适用规则版本"))
    eligible = models.BooleanField(_("符合条件"), null=True)
    computed_amount = models.DecimalField(_("测算补偿金额（元）"), null=True, blank=True, **MONEY)
    working = models.JSONField(_("测算过程"), default=dict, blank=True)
    approved_amount = models.DecimalField(_("核定补偿金额（元）"), null=True, blank=True, **MONEY)
    adjustment_reason = models.TextField(_("核定金额调整理由"), blank=True)
    return_reason = models.TextField(_("退回或不予补偿理由"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("核定时间"), null=True, blank=True)
    # Optimistic counter for the joint review round: sign-offs of an earlier round (before a return) lapse.
    review_round = models.PositiveSmallIntegerField(_("联审轮次"), default=0)

    class Meta:
        verbose_name = _("补偿申请")
        verbose_name_plural = _("补偿申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recognition", "cover_year"], condition=~Q(state="rejected"),
                                    name="claim_one_per_recognition_year"),
        ]
        indexes = [models.Index(fields=["state", "city"]), models.Index(fields=["enterprise", "-created_at"])]

    def __str__(self):
        return self.number

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "state"})

    @transition(field=state, source=[State.DRAFT, State.RETURNED], target=State.LOCAL_REVIEW)
    def submit(self):
        pass

    @transition(field=state, source=State.LOCAL_REVIEW, target=State.JOINT_REVIEW)
    def pass_local(self):
        pass

    @transition(field=state, source=[State.LOCAL_REVIEW, State.JOINT_REVIEW], target=State.RETURNED)
    def return_for_changes(self):
        pass

    @transition(field=state, source=[State.LOCAL_REVIEW, State.JOINT_REVIEW], target=State.REJECTED)
    def reject(self):
        pass

    @transition(field=state, source=State.JOINT_REVIEW, target=State.APPROVED)
    def approve(self):
        pass

    @transition(field=state, source=State.APPROVED, target=State.PAYABLE)
    def make_payable(self):
        pass


class ClaimDocument(models.Model):
    """A typed private PDF of a claim (domain.md §7)."""

    class Type(models.TextChoices):
        CONTRACT = "contract", _("销售合同或发票")
        ACCEPTANCE = "acceptance", _("用户验收证明")
        POLICY = "policy", _("保险公司盖章的保单")
        PREMIUM_INVOICE = "premium_invoice", _("保费发票")
        PREMIUM_RECEIPT = "premium_receipt", _("保险公司保费全额到账证明")
        PAYMENT_VOUCHER = "payment_voucher", _("企业付款凭证")

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="documents")
    type = models.CharField(_("材料类型"), max_length=20, choices=Type.choices)
    name = models.CharField(_("文件名"), max_length=150)
    path = models.CharField(_("存储路径"), max_length=300, unique=True)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    removed_at = models.DateTimeField(_("移除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("补偿申请材料")
        verbose_name_plural = _("补偿申请材料")
        ordering = ["type", "uploaded_at"]

    def __str__(self):
        return self.name


class SignOff(models.Model):
    """One department's decision in the joint review (部门联审): industry, finance or the financial regulator."""

    class Department(models.TextChoices):
        INDUSTRY = "industry", _("经信部门")
        FINANCE = "finance", _("财政部门")
        REGULATOR = "regulator", _("金融监管部门")

    class Decision(models.TextChoices):
        APPROVE = "approve", _("同意")
        RETURN = "return", _("退回修改")
        REJECT = "reject", _("不予补偿")

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="signoffs")
    review_round = models.PositiveSmallIntegerField(_("联审轮次"))
    department = models.CharField(_("部门"), max_length=10, choices=Department.choices)
    decision = models.CharField(_("意见"), max_length=10, choices=Decision.choices)
    opinion = models.TextField(_("审核意见"), blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("签署时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联审意见")
        verbose_name_plural = _("联审意见")
        ordering = ["claim", "review_round", "signed_at"]
        constraints = [
            # One decision per department per round: two simultaneous sign-offs of one department cannot both land.
            models.UniqueConstraint(fields=["claim", "review_round", "department"], name="signoff_once_per_round"),
        ]

    def __str__(self):
        return f"{self.claim} {self.department} {self.decision}"
