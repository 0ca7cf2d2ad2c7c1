"""政府首购 (domain.md §8): a government buyer's purchase of a recognised product, the single-source notice
(单一来源公示) with the experts' justification, objections from the public and the buyer's supplementary
justifications, the award, the contract with its delivery and acceptance, and the contract's private documents.
Published as OCDS 1.1 releases (procurement/ocds.py)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

MONEY = dict(max_digits=16, decimal_places=2)
MIN_NOTICE_WORKING_DAYS = 5
# The contract is due within 30 calendar days of the award (政府采购法 §46); a later signing is flagged.
CONTRACT_DUE_DAYS = 30


class Purchase(models.Model):
    """首购项目: one purchase of one recognised product by one government buyer from the recognised enterprise."""

    class Method(models.TextChoices):
        # Stable codes: the OCDS export maps them (single_source → direct, open_tender → open, other → limited).
        SINGLE_SOURCE = "single_source", _("单一来源采购")
        OPEN_TENDER = "open_tender", _("公开招标")
        OTHER = "other", _("其他方式")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        NOTICE = "notice", _("单一来源公示中")
        PENDING_AWARD = "pending_award", _("待确定成交")
        AWARDED = "awarded", _("已成交")
        CONTRACTED = "contracted", _("已签订合同")
        COMPLETED = "completed", _("已验收")
        CANCELLED = "cancelled", _("已终止")

    number = models.CharField(_("项目编号"), max_length=24, unique=True, help_text=_("如 SG2026-0001，系统生成"))
    buyer = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="purchases",
                              verbose_name=_("采购人"))
    recognition = models.ForeignKey("recognition.Recognition", on_delete=models.PROTECT, related_name="purchases",
                                    verbose_name=_("首台（套）认定"))
    # The recognised enterprise (always recognition.enterprise; stored for scoping and the OCDS parties).
    supplier = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="supplied_purchases",
                                 verbose_name=_("供应商"))
    title = models.CharField(_("采购项目名称"), max_length=150)
    description = models.TextField(_("采购需求说明"), blank=True)
    method = models.CharField(_("采购方式"), max_length=14, choices=Method.choices)
    method_details = models.CharField(_("采购方式说明"), max_length=60, blank=True,
                                      help_text=_("“其他方式”时填写，如竞争性谈判"))
    quantity = models.PositiveIntegerField(_("采购数量"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("计量单位"), max_length=10, default="台")
    budget = models.DecimalField(_("预算金额（元）"), **MONEY)
    state = FSMField(_("状态"), max_length=14, choices=State.choices, default=State.DRAFT, protected=True)
    # Award (成交): the supplier is the recognised enterprise; the recognition must be valid on this date.
    awarded_on = models.DateField(_("成交日期"), null=True, blank=True)
    award_amount = models.DecimalField(_("成交金额（元）"), null=True, blank=True, **MONEY)
    cancel_reason = models.TextField(_("终止理由"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("首购项目")
        verbose_name_plural = _("首购项目")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="purchase_budget_positive"),
            models.CheckConstraint(condition=Q(award_amount__isnull=True) | Q(award_amount__gt=0),
                                   name="purchase_award_positive"),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"]),
            models.Index(fields=["state", "awarded_on"]),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "state"})

    @transition(field=state, source=State.DRAFT, target=State.NOTICE)
    def publish_notice(self):
        pass

    @transition(field=state, source=State.NOTICE, target=State.PENDING_AWARD)
    def close_notice(self):
        pass

    @transition(field=state, source=[State.DRAFT, State.PENDING_AWARD], target=State.AWARDED)
    def award(self):
        pass

    @transition(field=state, source=State.AWARDED, target=State.CONTRACTED)
    def sign(self):
        pass

    @transition(field=state, source=State.CONTRACTED, target=State.COMPLETED)
    def accept(self):
        pass

    @transition(field=state, source=[State.DRAFT, State.NOTICE, State.PENDING_AWARD], target=State.CANCELLED)
    def cancel(self):
        pass


class SingleSourceNotice(models.Model):
    """单一来源公示: the buyer's public announcement of the single-source intention, at least 5 working days
    (Chinese calendar, recognition/workdays.py), naming buyer, project, goods, reason, proposed supplier and the
    experts' justification."""

    purchase = models.OneToOneField(Purchase, on_delete=models.PROTECT, related_name="notice")
    reason = models.TextField(_("采用单一来源方式的理由"))
    justification = models.TextField(_("专业人员论证意见"))
    contact = models.TextField(_("异议受理方式"), help_text=_("联系人、电话、地址等"))
    working_days = models.PositiveSmallIntegerField(
        _("公示期（工作日）"), default=MIN_NOTICE_WORKING_DAYS,
        validators=[MinValueValidator(MIN_NOTICE_WORKING_DAYS), MaxValueValidator(30)])
    starts_at = models.DateTimeField(_("公示开始时间"), null=True, blank=True)
    ends_at = models.DateTimeField(_("公示结束时间"), null=True, blank=True,
                                   help_text=_("由开始时间和工作日数按法定节假日安排计算"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("单一来源公示")
        verbose_name_plural = _("单一来源公示")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                                   name="ss_notice_ends_after_start"),
        ]

    def __str__(self):
        return str(self.purchase)


class NoticeExpert(models.Model):
    """One professional whose opinion supports the single-source reason (name, employer, title are public)."""

    notice = models.ForeignKey(SingleSourceNotice, on_delete=models.CASCADE, related_name="experts")
    name = models.CharField(_("姓名"), max_length=60)
    employer = models.CharField(_("工作单位"), max_length=120)
    title = models.CharField(_("职称"), max_length=60)
    position = models.PositiveSmallIntegerField(_("序号"), default=0)

    class Meta:
        verbose_name = _("论证专家")
        verbose_name_plural = _("论证专家")
        ordering = ["notice", "position", "id"]

    def __str__(self):
        return self.name


class Justification(models.Model):
    """补充论证: the buyer's supplementary justification answering one or more objections; public once made."""

    notice = models.ForeignKey(SingleSourceNotice, on_delete=models.PROTECT, related_name="justifications")
    text = models.TextField(_("补充论证意见"))
    experts = models.TextField(_("参与补充论证的专业人员"), blank=True, help_text=_("姓名、工作单位、职称"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("补充论证")
        verbose_name_plural = _("补充论证")
        ordering = ["notice", "created_at", "id"]

    def __str__(self):
        return f"{self.notice_id}@{self.created_at:%Y-%m-%d}"


class PurchaseObjection(models.Model):
    """对单一来源公示的异议: from any member of the public while the notice runs. The award is refused while one is
    unanswered; a supplementary justification answers it."""

    class State(models.TextChoices):
        OPEN = "open", _("待补充论证")
        ANSWERED = "answered", _("已补充论证")

    notice = models.ForeignKey(SingleSourceNotice, on_delete=models.PROTECT, related_name="objections")
    tracking_number = models.CharField(_("受理编号"), max_length=24, unique=True)
    name = models.CharField(_("异议人姓名"), max_length=60)
    organisation = models.CharField(_("异议人单位"), max_length=120, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20)
    email = models.EmailField(_("电子邮箱"), max_length=254, blank=True)
    content = models.TextField(_("异议内容"))
    submitted_ip = models.GenericIPAddressField(_("提交地址"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    justification = models.ForeignKey(Justification, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="objections", verbose_name=_("补充论证"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # The answer to the objector by e-mail (no account): claimed by a conditional update, retried by beat.
    reply_sent_at = models.DateTimeField(_("答复邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("首购异议")
        verbose_name_plural = _("首购异议")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["notice", "state"])]
        constraints = [
            models.CheckConstraint(condition=Q(state="open", justification__isnull=True)
                                   | Q(state="answered", justification__isnull=False),
                                   name="purchase_objection_answer_consistent"),
        ]

    def __str__(self):
        return self.tracking_number


class Contract(models.Model):
    """采购合同 of an awarded purchase: signed within 30 days of the award (later is flagged), then delivered
    and accepted (验收)."""

    purchase = models.OneToOneField(Purchase, on_delete=models.PROTECT, related_name="contract")
    number = models.CharField(_("合同编号"), max_length=60)
    amount = models.DecimalField(_("合同金额（元）"), **MONEY)
    signed_on = models.DateField(_("签订日期"))
    signed_late = models.BooleanField(_("超过成交后30日签订"), default=False)
    delivered_on = models.DateField(_("交付日期"), null=True, blank=True)
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("采购合同")
        verbose_name_plural = _("采购合同")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(condition=Q(delivered_on__isnull=True) | Q(delivered_on__gte=models.F("signed_on")),
                                   name="contract_delivery_after_signing"),
            models.CheckConstraint(condition=Q(accepted_on__isnull=True)
                                   | (Q(delivered_on__isnull=False) & Q(accepted_on__gte=models.F("delivered_on"))),
                                   name="contract_acceptance_after_delivery"),
        ]

    def __str__(self):
        return self.number


class PurchaseDocument(models.Model):
    """A private PDF of a purchase (the contract, the award notice, the acceptance report…). Never public."""

    class Type(models.TextChoices):
        AWARD_NOTICE = "award_notice", _("成交通知书")
        CONTRACT = "contract", _("采购合同")
        DELIVERY = "delivery", _("交付凭证")
        ACCEPTANCE = "acceptance", _("验收报告")
        OTHER = "other", _("其他材料")

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="documents")
    type = models.CharField(_("材料类型"), max_length=14, choices=Type.choices)
    name = models.CharField(_("文件名"), max_length=150)
    path = models.CharField(_("存储路径"), max_length=300, unique=True)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    removed_at = models.DateTimeField(_("移除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("首购材料")
        verbose_name_plural = _("首购材料")
        ordering = ["type", "uploaded_at"]

    def __str__(self):
        return self.name
