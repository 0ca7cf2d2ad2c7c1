"""公示、异议、认定、证书: the public notice of a batch's proposals, objections from the public, the recognitions
that follow, their certificates (versioned PDFs) and revocation."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts.fields import INDUSTRY_FIELDS
from certification.catalogue import Category, EquipmentForm, Level

MIN_NOTICE_WORKING_DAYS = 5


class Notice(models.Model):
    """公示: a batch's proposed items, public for N working days (Chinese calendar), open for objections."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("公示中")
        CLOSED = "closed", _("公示结束")

    batch = models.ForeignKey("certification.Batch", on_delete=models.PROTECT, related_name="notices",
                              verbose_name=_("批次"))
    title = models.CharField(_("公示标题"), max_length=150)
    body = models.TextField(_("公示说明"), blank=True)
    contact = models.TextField(_("异议受理方式"), help_text=_("受理单位、联系人、电话、地址等"))
    working_days = models.PositiveSmallIntegerField(
        _("公示期（工作日）"), default=MIN_NOTICE_WORKING_DAYS,
        validators=[MinValueValidator(MIN_NOTICE_WORKING_DAYS), MaxValueValidator(30)])
    starts_at = models.DateTimeField(_("公示开始时间"))
    ends_at = models.DateTimeField(_("公示结束时间"), help_text=_("由开始时间和工作日数按法定节假日安排计算"))
    state = FSMField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="notice_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "state"})

    @transition(field=state, source=State.DRAFT, target=State.PUBLISHED)
    def publish(self):
        pass

    @transition(field=state, source=State.PUBLISHED, target=State.CLOSED)
    def close(self):
        pass


class NoticeItem(models.Model):
    """One proposed product on a notice, with the level proposed for it."""

    class State(models.TextChoices):
        LISTED = "listed", _("公示中")
        REMOVED = "removed", _("已撤出本轮")
        RECOGNISED = "recognised", _("已认定")

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="items")
    application = models.ForeignKey("certification.Application", on_delete=models.PROTECT,
                                    related_name="notice_items", verbose_name=_("申报书"))
    level = models.CharField(_("拟认定级别"), max_length=20, choices=Level.choices)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.LISTED)
    position = models.PositiveIntegerField(_("序号"), default=0)
    change_reason = models.CharField(_("调整理由"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("公示项目")
        verbose_name_plural = _("公示项目")
        ordering = ["notice", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["notice", "application"], name="notice_item_once")]

    def __str__(self):
        return f"{self.notice_id}#{self.position}"


class Objection(models.Model):
    """异议: a named complaint from the public against one notice item, with an optional evidence file."""

    class State(models.TextChoices):
        RECEIVED = "received", _("已受理")
        INVESTIGATING = "investigating", _("调查核实中")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    class Action(models.TextChoices):
        REMOVE = "remove", _("撤出本轮认定")
        CHANGE_LEVEL = "change_level", _("调整认定级别")

    OPEN = (State.RECEIVED, State.INVESTIGATING)

    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="objections",
                             verbose_name=_("异议项目"))
    tracking_number = models.CharField(_("受理编号"), max_length=24, unique=True)
    name = models.CharField(_("异议人姓名"), max_length=60)
    organisation = models.CharField(_("异议人单位"), max_length=120, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20)
    email = models.EmailField(_("电子邮箱"), max_length=254, blank=True)
    content = models.TextField(_("异议内容"))
    evidence_name = models.CharField(_("证明材料文件名"), max_length=150, blank=True)
    evidence_path = models.CharField(_("证明材料存储路径"), max_length=300, blank=True)
    evidence_sha256 = models.CharField(_("证明材料 SHA-256"), max_length=64, blank=True)
    evidence_size = models.PositiveIntegerField(_("证明材料大小（字节）"), null=True, blank=True)
    submitted_ip = models.GenericIPAddressField(_("提交地址"), null=True, blank=True)
    state = FSMField(_("状态"), max_length=14, choices=State.choices, default=State.RECEIVED, protected=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    action = models.CharField(_("处理措施"), max_length=14, choices=Action.choices, blank=True)
    new_level = models.CharField(_("调整后级别"), max_length=20, choices=Level.choices, blank=True)
    reply = models.TextField(_("处理意见（答复异议人）"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    # The reply to the objector by e-mail (they have no account): sent by a retried task, swept by beat.
    reply_sent_at = models.DateTimeField(_("答复邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["item", "state"])]

    def __str__(self):
        return self.tracking_number

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "state"})

    @transition(field=state, source=State.RECEIVED, target=State.INVESTIGATING)
    def investigate(self):
        pass

    @transition(field=state, source=OPEN, target=State.UPHELD)
    def uphold(self):
        pass

    @transition(field=state, source=OPEN, target=State.DISMISSED)
    def dismiss(self):
        pass


class Recognition(models.Model):
    """认定: the final decision on one application, frozen from it, with its certificate number."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        EXPIRED = "expired", _("已过期")
        REVOKED = "revoked", _("已撤销")

    application = models.OneToOneField("certification.Application", on_delete=models.PROTECT,
                                       related_name="recognition", verbose_name=_("申报书"))
    notice_item = models.OneToOneField(NoticeItem, on_delete=models.PROTECT, related_name="recognition")
    batch = models.ForeignKey("certification.Batch", on_delete=models.PROTECT, related_name="recognitions",
                              verbose_name=_("批次"))
    year = models.PositiveSmallIntegerField(_("批次年度"))
    enterprise = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="recognitions",
                                   verbose_name=_("企业"))
    enterprise_name = models.CharField(_("企业名称"), max_length=200)
    enterprise_uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    city = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("设区市"))
    region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("县（市、区）"))
    product_name = models.CharField(_("产品名称"), max_length=120)
    model_spec = models.CharField(_("型号规格"), max_length=120)
    category = models.CharField(_("产品类别"), max_length=20, choices=Category.choices)
    equipment_form = models.CharField(_("装备形式"), max_length=20, choices=EquipmentForm.choices, blank=True)
    field = models.CharField(_("所属领域"), max_length=20, choices=INDUSTRY_FIELDS)
    level = models.CharField(_("认定级别"), max_length=20, choices=Level.choices)
    decision_number = models.CharField(_("认定文号"), max_length=60)
    decision_date = models.DateField(_("认定日期"))
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期至"))
    sequence = models.PositiveIntegerField(_("证书顺序号"))
    certificate_number = models.CharField(_("证书编号"), max_length=40, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revocation_reason = models.TextField(_("撤销理由"), blank=True)
    revocation_document = models.CharField(_("撤销文号"), max_length=60, blank=True)
    recognised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("认定")
        verbose_name_plural = _("认定")
        ordering = ["-year", "level", "sequence"]
        constraints = [
            # The certificate number is unique per year and level (its sequence), and globally as text.
            models.UniqueConstraint(fields=["year", "level", "sequence"], name="recognition_sequence_unique"),
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("valid_from")),
                                   name="recognition_valid_range"),
        ]
        indexes = [
            models.Index(fields=["status", "year"]),
            models.Index(fields=["enterprise", "-year"]),
        ]

    def __str__(self):
        return f"{self.certificate_number} {self.product_name}"


class Certificate(models.Model):
    """One version of a recognition's certificate PDF. A reissue adds a version; the old ones are kept."""

    class State(models.TextChoices):
        PENDING = "pending", _("生成中")
        READY = "ready", _("已生成")

    recognition = models.ForeignKey(Recognition, on_delete=models.PROTECT, related_name="certificates")
    version = models.PositiveSmallIntegerField(_("版本"))
    current = models.BooleanField(_("现行版本"), default=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.CharField(_("签发原因"), max_length=300, blank=True)
    path = models.CharField(_("存储路径"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), null=True, blank=True)
    issued_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["recognition", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["recognition", "version"], name="certificate_version_unique"),
            models.UniqueConstraint(fields=["recognition"], condition=Q(current=True),
                                    name="certificate_one_current"),
        ]

    def __str__(self):
        return f"{self.recognition.certificate_number} v{self.version}"
