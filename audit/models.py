"""The append-only, hash-chained audit log."""

import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    """One recorded action. Never updated or deleted (a PostgreSQL trigger refuses both)."""

    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    actor_repr = models.CharField(_("操作人名称"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("代表单位"), null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    action = models.CharField(_("动作"), max_length=80, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("变更后"), null=True, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField(_("理由"), blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    prev_hash = models.CharField(_("前一事件哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_repr}"

    def canonical(self):
        """The content the hash covers, as canonical JSON (sorted keys, no whitespace, UTF-8)."""
        content = {
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_repr": self.actor_repr,
            "organisation": self.organisation_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "ip": self.ip,
            "request_id": self.request_id,
        }
        return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)

    def compute_hash(self):
        return hashlib.sha256((self.prev_hash + self.canonical()).encode("utf-8")).hexdigest()
