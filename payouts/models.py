"""资金拨付 (domain.md §6, §7): reward rules per batch, yearly budgets per kind, payouts (one per source: a
recognition's reward or a payable insurance claim's compensation) through the approval chain to disbursement,
and the recoveries (追回) that a revocation opens for money already paid, with their repayments."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from certification.catalogue import Level

MONEY = dict(max_digits=16, decimal_places=2)
# Cities and counties pass the money to the enterprise within 30 days of the provincial allocation (§6).
DISBURSE_WITHIN_DAYS = 30


class Kind(models.TextChoices):
    REWARD = "reward", _("首台（套）奖励")
    COMPENSATION = "compensation", _("保险补偿")


class RewardRule(models.Model):
    """奖励规则 of one batch: the amount per level and the exclusions. Changes are audited; payouts keep the
    amount and working they were proposed with."""

    batch = models.OneToOneField("certification.Batch", on_delete=models.PROTECT, related_name="reward_rule",
                                 verbose_name=_("认定批次"))
    budget_year = models.PositiveSmallIntegerField(_("列支年度"), help_text=_("奖励从次年省级资金中列支"))
    amount_international = models.DecimalField(_("国际首台（套）奖励（元）"), default=Decimal("2000000"),
                                               validators=[MinValueValidator(0)], **MONEY)
    amount_domestic = models.DecimalField(_("国内首台（套）奖励（元）"), default=Decimal("1000000"),
                                          validators=[MinValueValidator(0)], **MONEY)
    amount_provincial = models.DecimalField(_("省内首台（套）奖励（元）"), default=Decimal("500000"),
                                            validators=[MinValueValidator(0)], **MONEY)
    exclude_components = models.BooleanField(_("零部件类产品不予奖励"), default=True)
    # 清单引导、标准认定 (domain.md glossary): recognised by standard against a key-indicator list; no reward.
    list_guided = models.ManyToManyField("recognition.Recognition", blank=True, related_name="+",
                                         verbose_name=_("清单引导、标准认定的产品"))
    excluded_cities = models.ManyToManyField("accounts.Region", blank=True, related_name="+",
                                             verbose_name=_("执行本地政策的地区"), help_text=_("如宁波市"))
    note = models.TextField(_("说明"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("奖励规则")
        verbose_name_plural = _("奖励规则")
        ordering = ["-budget_year", "-id"]

    def __str__(self):
        return str(self.batch)

    def amount_for(self, level):
        return {
            Level.INTERNATIONAL: self.amount_international,
            Level.DOMESTIC: self.amount_domestic,
            Level.PROVINCIAL: self.amount_provincial,
        }[level]


class Budget(models.Model):
    """年度预算 of one kind: approvals (from the industry approval on) may not exceed it."""

    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("资金类别"), max_length=14, choices=Kind.choices)
    amount = models.DecimalField(_("预算金额（元）"), validators=[MinValueValidator(0)], **MONEY)
    note = models.TextField(_("说明"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度预算")
        verbose_name_plural = _("年度预算")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["year", "kind"], name="budget_year_kind_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()}"


class Payout(models.Model):
    """拨付: one sum to one enterprise from one source, proposed → industry → finance → allocated to the city →
    disbursed to the enterprise, or rejected."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("拟拨付")
        INDUSTRY_APPROVED = "industry_approved", _("经信部门已审核")
        FINANCE_APPROVED = "finance_approved", _("财政部门已审核")
        ALLOCATED = "allocated", _("已下达市县")
        DISBURSED = "disbursed", _("已拨付企业")
        REJECTED = "rejected", _("不予拨付")

    # States whose amount counts against the budget of its year and kind.
    COMMITTED = (State.INDUSTRY_APPROVED, State.FINANCE_APPROVED, State.ALLOCATED, State.DISBURSED)

    number = models.CharField(_("拨付编号"), max_length=24, unique=True)
    kind = models.CharField(_("资金类别"), max_length=14, choices=Kind.choices)
    recognition = models.ForeignKey("recognition.Recognition", on_delete=models.PROTECT, related_name="payouts",
                                    verbose_name=_("认定"))
    claim = models.OneToOneField("insurance.Claim", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="payout", verbose_name=_("保险补偿申请"))
    reward_rule = models.ForeignKey(RewardRule, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="payouts", verbose_name=_("奖励规则"))
    year = models.PositiveSmallIntegerField(_("预算年度"))
    enterprise = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="payouts",
                                   verbose_name=_("企业"))
    enterprise_name = models.CharField(_("企业名称"), max_length=200)
    enterprise_uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    city = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("设区市"))
    region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("县（市、区）"))
    level = models.CharField(_("认定级别"), max_length=20, choices=Level.choices)
    amount = models.DecimalField(_("拨付金额（元）"), **MONEY)
    working = models.JSONField(_("计算过程"), default=dict, blank=True)
    state = FSMField(_("状态"), max_length=18, choices=State.choices, default=State.PROPOSED, protected=True)
    # The enterprise's receiving account (for the bank's payment list).
    bank_name = models.CharField(_("开户银行"), max_length=120, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=40, blank=True)
    industry_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                             blank=True, related_name="+")
    industry_approved_at = models.DateTimeField(_("经信审核时间"), null=True, blank=True)
    finance_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+")
    finance_approved_at = models.DateTimeField(_("财政审核时间"), null=True, blank=True)
    allocated_on = models.DateField(_("资金下达日期"), null=True, blank=True)
    due_on = models.DateField(_("应拨付企业日期"), null=True, blank=True,
                              help_text=_("下达之日起30日内"))
    allocation_document = models.CharField(_("资金下达文号"), max_length=60, blank=True)
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    disbursed_on = models.DateField(_("拨付企业日期"), null=True, blank=True)
    bank_reference = models.CharField(_("银行流水号"), max_length=60, blank=True)
    disbursed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    rejected_reason = models.TextField(_("不予拨付理由"), blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    rejected_at = models.DateTimeField(_("不予拨付时间"), null=True, blank=True)
    # Set once by the beat sweep that notifies an overdue disbursement (a retry sends nothing more).
    overdue_notified_at = models.DateTimeField(_("逾期提醒时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("拨付")
        verbose_name_plural = _("拨付")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One payout per source: a recognition's reward, a claim's compensation.
            models.UniqueConstraint(fields=["recognition"], condition=Q(kind="reward"),
                                    name="payout_one_reward_per_recognition"),
            models.CheckConstraint(condition=Q(kind="reward", claim__isnull=True)
                                   | Q(kind="compensation", claim__isnull=False), name="payout_source_matches_kind"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(condition=Q(due_on__isnull=True) | Q(due_on__gte=models.F("allocated_on")),
                                   name="payout_due_after_allocation"),
        ]
        indexes = [
            models.Index(fields=["year", "kind", "state"]),
            models.Index(fields=["state", "due_on"]),
            models.Index(fields=["city", "state"]),
        ]

    def __str__(self):
        return self.number

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "state"})

    @transition(field=state, source=State.PROPOSED, target=State.INDUSTRY_APPROVED)
    def approve_industry(self):
        pass

    @transition(field=state, source=State.INDUSTRY_APPROVED, target=State.FINANCE_APPROVED)
    def approve_finance(self):
        pass

    @transition(field=state, source=State.FINANCE_APPROVED, target=State.ALLOCATED)
    def allocate(self):
        pass

    @transition(field=state, source=State.ALLOCATED, target=State.DISBURSED)
    def disburse(self):
        pass

    @transition(field=state, source=[State.PROPOSED, State.INDUSTRY_APPROVED, State.FINANCE_APPROVED,
                                     State.ALLOCATED], target=State.REJECTED)
    def reject(self):
        pass


class Recovery(models.Model):
    """追回: money paid on a recognition that was then revoked, owed back by the enterprise (disbursed) or by the
    city (allocated, not yet passed on), tracked through repayments until the whole amount is back."""

    class Debtor(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        CITY = "city", _("市县财政")

    class State(models.TextChoices):
        OPEN = "open", _("追回中")
        REPAID = "repaid", _("已追回")

    payout = models.OneToOneField(Payout, on_delete=models.PROTECT, related_name="recovery",
                                  verbose_name=_("拨付"))
    debtor = models.CharField(_("退回方"), max_length=10, choices=Debtor.choices)
    amount = models.DecimalField(_("应追回金额（元）"), **MONEY)
    repaid_amount = models.DecimalField(_("已追回金额（元）"), default=Decimal("0"), **MONEY)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    reason = models.TextField(_("追回原因"))
    revocation_document = models.CharField(_("撤销文号"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("追回完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("资金追回")
        verbose_name_plural = _("资金追回")
        ordering = ["state", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
            models.CheckConstraint(condition=Q(repaid_amount__gte=0) & Q(repaid_amount__lte=models.F("amount")),
                                   name="recovery_repaid_within_amount"),
        ]

    def __str__(self):
        return f"{self.payout.number} {self.get_state_display()}"


class Repayment(models.Model):
    """One repayment towards a recovery (date, amount, bank reference)."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="repayments")
    amount = models.DecimalField(_("退回金额（元）"), **MONEY)
    paid_on = models.DateField(_("退回日期"))
    reference = models.CharField(_("银行流水号或缴款书号"), max_length=60)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("退回记录")
        verbose_name_plural = _("退回记录")
        ordering = ["recovery", "paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_amount_positive")]

    def __str__(self):
        return f"{self.recovery_id} {self.amount}"
