"""Users, regions, organisations, memberships and expert profiles."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from .fields import INDUSTRY_FIELDS


def validate_uscc(value):
    """GB 32100-2015 check: length, alphabet and check digit (python-stdnum)."""
    try:
        stdnum_uscc.validate(value)
    except InvalidLength:
        raise ValidationError(_("统一社会信用代码应为18位。"), code="uscc_length") from None
    except InvalidChecksum:
        raise ValidationError(_("统一社会信用代码校验位错误，请核对后重新输入。"), code="uscc_checksum") from None
    except StdnumError:
        raise ValidationError(_("统一社会信用代码格式错误。"), code="uscc_format") from None


def normalise_uscc(value):
    return stdnum_uscc.compact(value or "")


class User(AbstractUser):
    """A person. What they may do comes from their memberships and expert profile."""

    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    email_verified_at = models.DateTimeField(_("邮箱验证时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("设区市")
        COUNTY = "county", _("县（市、区）")

    code = models.CharField(_("编码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True) | Q(parent__isnull=False),
                name="region_parent_required_below_province",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def city(self):
        """The city a region belongs to (itself for a city, None for the province)."""
        if self.level == self.Level.CITY:
            return self
        if self.level == self.Level.COUNTY:
            return self.parent
        return None

    @property
    def full_name(self):
        return f"{self.parent.name} {self.name}" if self.level == self.Level.COUNTY else self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        BUREAU = "bureau", _("政府部门")
        INSURER = "insurer", _("保险机构")
        BUYER = "buyer", _("采购人")
        OTHER = "other", _("其他单位")

    class BureauLevel(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("设区市级")
        COUNTY = "county", _("县（市、区）级")

    class Department(models.TextChoices):
        INDUSTRY = "industry", _("经信")
        FINANCE = "finance", _("财政")
        REGULATOR = "regulator", _("金融监管")

    class Status(models.TextChoices):
        # Stable codes: never renamed, only added to.
        UNVERIFIED = "unverified", _("待验证邮箱")
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已审核通过")
        REJECTED = "rejected", _("未通过")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("单位名称"), max_length=120)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    region = models.ForeignKey(Region, verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="organisations")
    bureau_level = models.CharField(_("部门层级"), max_length=10, choices=BureauLevel.choices, blank=True)
    department = models.CharField(_("部门类别"), max_length=12, choices=Department.choices, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    status = FSMField(_("状态"), max_length=12, choices=Status.choices, default=Status.APPROVED, protected=True)
    status_reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        User, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["kind", "status"]), models.Index(fields=["region", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="bureau") & ~Q(bureau_level="") & ~Q(department=""))
                | (~Q(kind="bureau") & Q(bureau_level="") & Q(department="")),
                name="organisation_bureau_fields_only_for_bureaus",
            ),
        ]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        # clean_fields re-assigns every field; the protected FSM status refuses that (transitions set it).
        super().clean_fields(exclude={*(exclude or ()), "status"})

    def clean(self):
        self.uscc = normalise_uscc(self.uscc)
        if self.kind == self.Kind.BUREAU:
            errors = {}
            if not self.bureau_level:
                errors["bureau_level"] = _("政府部门必须填写部门层级。")
            if not self.department:
                errors["department"] = _("政府部门必须填写部门类别。")
            if self.bureau_level and self.region_id and self.region.level != self.bureau_level:
                errors["region"] = _("部门层级与所在地区层级不一致。")
            if errors:
                raise ValidationError(errors)
        elif self.bureau_level or self.department:
            raise ValidationError({"bureau_level": _("只有政府部门才有部门层级与类别。")})

    # --- declared life cycle of a self-registered enterprise ---
    @transition(field=status, source=Status.UNVERIFIED, target=Status.PENDING)
    def email_verified(self):
        pass

    @transition(field=status, source=[Status.PENDING, Status.REJECTED], target=Status.APPROVED)
    def approve(self):
        pass

    @transition(field=status, source=Status.PENDING, target=Status.REJECTED)
    def reject(self):
        pass

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED


class Membership(models.Model):
    """A user acting for an organisation in one role."""

    class Role(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业用户")
        COUNTY_STAFF = "county_staff", _("县（市、区）经信局")
        CITY_STAFF = "city_staff", _("设区市经信局")
        PROVINCE_STAFF = "province_staff", _("省经信厅")
        FINANCE_STAFF = "finance_staff", _("财政部门")
        REGULATOR_STAFF = "regulator_staff", _("金融监管部门")
        INSURER = "insurer", _("保险机构")
        BUYER = "buyer", _("采购人")

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    is_admin = models.BooleanField(_("单位管理员"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("成员关系")
        verbose_name_plural = _("成员关系")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_org")]

    def __str__(self):
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"

    def clean(self):
        expected = role_for_organisation(self.organisation)
        if expected and self.role != expected:
            raise ValidationError({"role": _("该角色与单位类型不符，应为“%(role)s”。") % {"role": expected.label}})


def role_for_organisation(org):
    """The one role a member of this organisation has, derived from its kind, level and department."""
    R, K = Membership.Role, Organisation.Kind
    if org.kind == K.ENTERPRISE:
        return R.ENTERPRISE
    if org.kind == K.INSURER:
        return R.INSURER
    if org.kind == K.BUYER:
        return R.BUYER
    if org.kind == K.BUREAU:
        if org.department == Organisation.Department.FINANCE:
            return R.FINANCE_STAFF
        if org.department == Organisation.Department.REGULATOR:
            return R.REGULATOR_STAFF
        return {"province": R.PROVINCE_STAFF, "city": R.CITY_STAFF, "county": R.COUNTY_STAFF}[org.bureau_level]
    return None


# 职称: the pool takes 高级职称 or above only. Stored as the text itself (what the certificate says).
SENIOR_TITLES = [
    "正高级工程师", "教授级高级工程师", "高级工程师", "教授", "副教授", "研究员", "副研究员", "主任医师", "副主任医师",
    "其他高级职称",
]


class ExpertProfile(models.Model):
    """A member of the expert pool (专家库): a user with fields, a senior title, an employer and a region."""

    user = models.OneToOneField(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="expert_profile")
    fields = models.JSONField(_("专业领域"), default=list, help_text=_("十大领域中的一项或多项"))
    title = models.CharField(_("职称"), max_length=60)
    employer = models.ForeignKey(
        Organisation, verbose_name=_("工作单位"), on_delete=models.PROTECT, related_name="experts"
    )
    region = models.ForeignKey(Region, verbose_name=_("所在地区"), null=True, blank=True, on_delete=models.PROTECT)
    active = models.BooleanField(_("在库"), default=True)
    note = models.TextField(_("备注"), blank=True)
    deactivated_reason = models.CharField(_("停用理由"), max_length=500, blank=True)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("专家")
        verbose_name_plural = _("专家")
        indexes = [models.Index(fields=["active"], name="expertprofile_active")]

    def __str__(self):
        return f"{self.user}（{self.title}）"

    def clean(self):
        unknown = [f for f in self.fields if f not in dict(INDUSTRY_FIELDS)]
        if not self.fields or unknown:
            raise ValidationError({"fields": _("请从十大领域中选择至少一个专业领域。")})
