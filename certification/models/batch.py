"""认定批次: one yearly call for applications."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ..catalogue import default_attachment_requirements


def _all_categories():
    return ["equipment", "new_material", "software"]


def _all_forms():
    return ["complete", "set", "component"]


class Batch(models.Model):
    class State(models.TextChoices):
        # Stable codes; later stages (expert review, notice, concluded) are added by later features.
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("申报中")
        CLOSED = "closed", _("申报已截止")

    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("批次名称"), max_length=120)
    categories = models.JSONField(_("受理类别"), default=_all_categories)
    equipment_forms = models.JSONField(_("装备形式"), default=_all_forms)
    opens_at = models.DateTimeField(_("开始申报时间"))
    closes_at = models.DateTimeField(_("截止申报时间"))
    recommend_deadline = models.DateTimeField(_("地方推荐截止时间"))
    attachment_requirements = models.JSONField(_("附件要求"), default=default_attachment_requirements)
    notes = models.TextField(_("申报说明"), blank=True)
    state = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("认定批次")
        verbose_name_plural = _("认定批次")
        ordering = ["-year", "-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="batch_closes_after_opening"),
            models.CheckConstraint(condition=Q(recommend_deadline__gte=models.F("closes_at")),
                                   name="batch_recommend_after_close"),
        ]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "state"})

    @transition(field=state, source=State.DRAFT, target=State.OPEN)
    def publish(self):
        pass

    @transition(field=state, source=State.OPEN, target=State.CLOSED)
    def close(self):
        pass


class BatchQuota(models.Model):
    """How many applications a city may recommend to the province in a batch (推荐名额)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="quotas")
    city = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("设区市"))
    quota = models.PositiveIntegerField(_("推荐名额"))

    class Meta:
        verbose_name = _("推荐名额")
        verbose_name_plural = _("推荐名额")
        constraints = [models.UniqueConstraint(fields=["batch", "city"], name="quota_one_per_city")]

    def __str__(self):
        return f"{self.batch} {self.city}: {self.quota}"
