"""申报书: one product of one enterprise in one batch, its revisions, attachments and review decisions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from accounts.fields import INDUSTRY_FIELDS

from ..catalogue import AttachmentType, Category, EquipmentForm, Level
from .batch import Batch


class State(models.TextChoices):
    """Stable codes (never renamed). Staff labels here; applicant labels in workflow.APPLICANT_LABELS."""

    DRAFT = "draft", _("草稿")
    COUNTY_REVIEW = "county_review", _("县级推荐审核")
    CITY_REVIEW = "city_review", _("市级推荐审核")
    FORMAL_REVIEW = "formal_review", _("形式审查")
    RETURNED = "returned", _("退回补正")
    PASSED = "passed", _("形式审查通过")
    DECLINED = "declined", _("不予推荐")
    REJECTED = "rejected", _("形式审查不通过")
    WITHDRAWN = "withdrawn", _("已撤回")
    EXPERT_REVIEW = "expert_review", _("专家评审中")
    PROPOSED = "proposed", _("拟认定")
    NOT_PROPOSED = "not_proposed", _("未列入拟认定")
    RECOGNISED = "recognised", _("已认定")
    NOT_RECOGNISED = "not_recognised", _("公示后未予认定")


class Stage(models.TextChoices):
    """The level that holds (or returned) an application."""

    COUNTY = "county", _("县（市、区）经信局")
    CITY = "city", _("设区市经信局")
    PROVINCE = "province", _("省经信厅")


STAGE_STATE = {Stage.COUNTY: State.COUNTY_REVIEW, Stage.CITY: State.CITY_REVIEW, Stage.PROVINCE: State.FORMAL_REVIEW}
# The applicant's data: what a revision freezes and what a diff compares.
DATA_FIELDS = [
    "product_name", "model_spec", "category", "equipment_form", "declared_level", "field", "innovation_points",
    "indicators", "ip_items", "first_sale_contract", "first_sale_date", "first_sale_price", "first_sale_buyer",
]
BEFORE_EXPERT_REVIEW = [State.DRAFT, State.COUNTY_REVIEW, State.CITY_REVIEW, State.FORMAL_REVIEW, State.RETURNED,
                        State.PASSED]
# Where a proposal may be recorded or changed (until the public notice).
AFTER_SCORING = [State.EXPERT_REVIEW, State.PROPOSED, State.NOT_PROPOSED]


class Application(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="applications", verbose_name=_("批次"))
    enterprise = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="applications",
                                   verbose_name=_("申报企业"))
    # The enterprise's county when the application was created: scoping and the recommendation chain use it.
    region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("所在地区"))
    city = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("设区市"))
    number = models.CharField(_("受理编号"), max_length=20, blank=True)
    state = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    returned_stage = models.CharField(_("退回层级"), max_length=10, choices=Stage.choices, blank=True)
    county_step = models.BooleanField(_("经县级推荐"), default=True)

    product_name = models.CharField(_("产品名称"), max_length=120)
    model_spec = models.CharField(_("型号规格"), max_length=120)
    category = models.CharField(_("产品类别"), max_length=20, choices=Category.choices)
    equipment_form = models.CharField(_("装备形式"), max_length=20, choices=EquipmentForm.choices, blank=True)
    declared_level = models.CharField(_("申报级别"), max_length=20, choices=Level.choices)
    field = models.CharField(_("所属领域"), max_length=20, choices=INDUSTRY_FIELDS)
    innovation_points = models.TextField(_("创新点"), blank=True)
    indicators = models.JSONField(_("关键技术指标"), default=list, blank=True)
    ip_items = models.JSONField(_("知识产权"), default=list, blank=True)
    first_sale_contract = models.CharField(_("首台销售合同编号"), max_length=60, blank=True)
    first_sale_date = models.DateField(_("首台销售日期"), null=True, blank=True)
    first_sale_price = models.DecimalField(_("首台销售价格（元）"), max_digits=14, decimal_places=2, null=True,
                                           blank=True)
    first_sale_buyer = models.CharField(_("首台用户单位"), max_length=120, blank=True)
    commitment_confirmed_at = models.DateTimeField(_("承诺书确认时间"), null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("填报人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    city_recommended_at = models.DateTimeField(_("市级推荐时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("申报书")
        verbose_name_plural = _("申报书")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One product (name + model) once per batch per enterprise; a withdrawn one frees the slot.
            models.UniqueConstraint(
                fields=["batch", "enterprise", "product_name", "model_spec"],
                condition=~Q(state="withdrawn"), name="application_one_product_per_batch",
            ),
            models.UniqueConstraint(fields=["batch", "number"], condition=~Q(number=""),
                                    name="application_number_unique_per_batch"),
        ]
        indexes = [
            models.Index(fields=["batch", "state"]),
            # Lists sorted by submission, for the province, a city and a county (bench/README.md, applications).
            models.Index(fields=["batch", "-submitted_at", "-id"], name="app_batch_submitted_idx"),
            models.Index(fields=["city", "batch", "-submitted_at", "-id"], name="app_city_submitted_idx"),
            models.Index(fields=["region", "batch", "-submitted_at", "-id"], name="app_region_submitted_idx"),
            models.Index(fields=["enterprise", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.number or _('草稿')} {self.product_name}"

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "state"})

    # --- declared transitions (services are the only callers; see workflow.py for roles) ---------------
    @transition(field=state, source=State.DRAFT, target=RETURN_VALUE(State.COUNTY_REVIEW, State.CITY_REVIEW))
    def submit(self):
        return State.COUNTY_REVIEW if self.county_step else State.CITY_REVIEW

    @transition(field=state, source=State.RETURNED,
                target=RETURN_VALUE(State.COUNTY_REVIEW, State.CITY_REVIEW, State.FORMAL_REVIEW))
    def resubmit(self):
        return STAGE_STATE[Stage(self.returned_stage)]

    @transition(field=state, source=State.COUNTY_REVIEW, target=State.CITY_REVIEW)
    def county_recommend(self):
        pass

    @transition(field=state, source=State.CITY_REVIEW, target=State.FORMAL_REVIEW)
    def city_recommend(self):
        pass

    @transition(field=state, source=[State.COUNTY_REVIEW, State.CITY_REVIEW, State.FORMAL_REVIEW],
                target=State.RETURNED)
    def return_for_correction(self):
        pass

    @transition(field=state, source=[State.COUNTY_REVIEW, State.CITY_REVIEW], target=State.DECLINED)
    def decline(self):
        pass

    @transition(field=state, source=State.FORMAL_REVIEW, target=State.PASSED)
    def formal_pass(self):
        pass

    @transition(field=state, source=State.FORMAL_REVIEW, target=State.REJECTED)
    def formal_reject(self):
        pass

    @transition(field=state, source=BEFORE_EXPERT_REVIEW, target=State.WITHDRAWN)
    def withdraw(self):
        pass

    @transition(field=state, source=State.PASSED, target=State.EXPERT_REVIEW)
    def start_expert_review(self):
        pass

    @transition(field=state, source=State.PROPOSED, target=State.RECOGNISED)
    def recognise(self):
        pass

    @transition(field=state, source=State.PROPOSED, target=State.NOT_RECOGNISED)
    def not_recognise(self):
        pass

    @transition(field=state, source=AFTER_SCORING, target=State.PROPOSED)
    def propose(self):
        pass

    @transition(field=state, source=AFTER_SCORING, target=State.NOT_PROPOSED)
    def not_propose(self):
        pass

    @transition(field=state, source=[State.PROPOSED, State.NOT_PROPOSED], target=State.EXPERT_REVIEW)
    def withdraw_proposal(self):
        """A score sheet was reopened: the proposal no longer rests on the submitted sheets."""


class ApplicationRevision(models.Model):
    """What was submitted, frozen: the data, the attachments' hashes and the batch's form definition."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("版本号"))
    data = models.JSONField(_("申报数据"))
    attachments = models.JSONField(_("附件清单"))
    form_definition = models.JSONField(_("表单定义"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申报书版本")
        verbose_name_plural = _("申报书版本")
        ordering = ["application", "number"]
        constraints = [models.UniqueConstraint(fields=["application", "number"], name="revision_number_unique")]

    def __str__(self):
        return f"{self.application_id} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("an application revision is immutable")
        super().save(*args, **kwargs)


class Attachment(models.Model):
    """A typed file of an application, stored outside the public media path (PRIVATE_STORAGE_ROOT)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="attachments")
    type = models.CharField(_("附件类型"), max_length=30, choices=AttachmentType.choices)
    name = models.CharField(_("文件名"), max_length=150)
    path = models.CharField(_("存储路径"), max_length=300, unique=True)
    content_type = models.CharField(_("文件格式"), max_length=60)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # Removed from the current set (kept: an earlier revision may list it).
    removed_at = models.DateTimeField(_("移除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["type", "uploaded_at"]
        indexes = [models.Index(fields=["application", "type"])]

    def __str__(self):
        return self.name


class Decision(models.Model):
    """A bureau's decision on an application at one stage: recommend / pass, return, decline / reject."""

    class Kind(models.TextChoices):
        RECOMMEND = "recommend", _("推荐")
        PASS = "pass", _("通过")
        RETURN = "return", _("退回补正")
        DECLINE = "decline", _("不予推荐")
        REJECT = "reject", _("不通过")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    stage = models.CharField(_("层级"), max_length=10, choices=Stage.choices)
    kind = models.CharField(_("结论"), max_length=10, choices=Kind.choices)
    opinion = models.TextField(_("意见"), blank=True)
    items = models.JSONField(_("补正事项或审查清单"), default=list, blank=True)
    revision = models.ForeignKey(ApplicationRevision, on_delete=models.PROTECT, related_name="decisions",
                                 verbose_name=_("所审版本"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核意见")
        verbose_name_plural = _("审核意见")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.application_id} {self.stage} {self.kind}"
