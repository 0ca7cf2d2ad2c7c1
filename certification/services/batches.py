"""Writes to batches: create, edit while draft, quotas, publish, close (by staff or by beat at the deadline)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region
from accounts.roles import acting_organisation
from audit.services import record, snapshot
from notifications.services import notify

from ..catalogue import FORMAT_IMAGE, FORMAT_PDF, AttachmentType, Category, EquipmentForm
from ..models import Batch, BatchQuota

BATCH_FIELDS = ["year", "name", "categories", "equipment_forms", "opens_at", "closes_at", "recommend_deadline",
                "notes", "state"]
EDITABLE = {"year", "name", "categories", "equipment_forms", "opens_at", "closes_at", "recommend_deadline",
            "attachment_requirements", "notes"}


def _check_fields(batch):
    errors = {}
    if not batch.categories or any(c not in Category.values for c in batch.categories):
        errors["categories"] = _("请至少选择一个受理类别。")
    if "equipment" in (batch.categories or []) and (
        not batch.equipment_forms or any(f not in EquipmentForm.values for f in batch.equipment_forms)
    ):
        errors["equipment_forms"] = _("受理装备类时请至少选择一种装备形式。")
    if batch.opens_at and batch.closes_at and batch.closes_at <= batch.opens_at:
        errors["closes_at"] = _("截止申报时间必须晚于开始申报时间。")
    if batch.closes_at and batch.recommend_deadline and batch.recommend_deadline < batch.closes_at:
        errors["recommend_deadline"] = _("地方推荐截止时间不能早于截止申报时间。")
    problem = _requirements_problem(batch.attachment_requirements)
    if problem:
        errors["attachment_requirements"] = problem
    if errors:
        raise ValidationError(errors)


def _requirements_problem(requirements):
    """Why the attachment requirements are malformed, or "" when they are well formed:
    {category: {attachment type: {required: bool, formats: [pdf|image…], max_mb > 0, max_count ≥ 1}}}."""
    if not isinstance(requirements, dict):
        return _("附件要求格式错误：应为按类别列出的附件类型。")
    for category, rules in requirements.items():
        if category not in Category.values or not isinstance(rules, dict):
            return _("附件要求格式错误：未知类别 %(c)s 或其内容不是按附件类型列出的规则。") % {"c": category}
        for type_code, rule in rules.items():
            ok = (
                type_code in AttachmentType.values
                and isinstance(rule, dict)
                and isinstance(rule.get("required"), bool)
                and isinstance(rule.get("formats"), list) and rule["formats"]
                and set(rule["formats"]) <= {FORMAT_PDF, FORMAT_IMAGE}
                and isinstance(rule.get("max_mb"), int | float) and not isinstance(rule.get("max_mb"), bool)
                and rule["max_mb"] > 0
                and isinstance(rule.get("max_count"), int) and not isinstance(rule.get("max_count"), bool)
                and rule["max_count"] >= 1
            )
            if not ok:
                return _("附件要求格式错误：%(c)s / %(t)s 须包含 required（是否必需）、formats（pdf/image）、"
                         "max_mb（大于0）和 max_count（至少1）。") % {"c": category, "t": type_code}
    return ""


def _set_quotas(batch, quotas):
    cities = {r.pk: r for r in Region.objects.filter(level=Region.Level.CITY)}
    for city_id, quota in quotas.items():
        city = cities.get(int(city_id))
        if city is None:
            raise ValidationError({"quotas": _("推荐名额只能分配给设区市。")})
        if int(quota) < 0:
            raise ValidationError({"quotas": _("推荐名额不能为负数。")})
        BatchQuota.objects.update_or_create(batch=batch, city=city, defaults={"quota": int(quota)})


def create_batch(*, actor, quotas=None, **fields):
    """Province staff create a draft batch.

    Side effects: a Batch and its quotas; an audit event.
    """
    if not actor.has_perm("certification.manage_batch"):
        raise PermissionDenied(_("只有省经信厅工作人员可以管理认定批次。"))
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationError({k: _("不能设置该字段。") for k in unknown})
    batch = Batch(created_by=actor, **fields)
    _check_fields(batch)
    batch.full_clean()
    with transaction.atomic():
        batch.save()
        _set_quotas(batch, quotas or {})
        record(action="batch.created", actor=actor, organisation=acting_organisation(actor), obj=batch,
               after={**snapshot(batch, BATCH_FIELDS), "quotas": {str(k): v for k, v in (quotas or {}).items()}})
    return batch


def update_batch(*, actor, batch_id, quotas=None, **fields):
    """Edit a batch. A draft may change anything; an open batch only its notes, quotas and (later) deadlines.

    Side effects: the Batch and its quotas; an audit event with before and after.
    """
    if not actor.has_perm("certification.manage_batch"):
        raise PermissionDenied(_("只有省经信厅工作人员可以管理认定批次。"))
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        before = snapshot(batch, BATCH_FIELDS)
        if batch.state != Batch.State.DRAFT:
            allowed = {"notes", "closes_at", "recommend_deadline"}
            refused = set(fields) - allowed
            if refused:
                raise ValidationError({k: _("批次发布后不能修改该项。") for k in refused})
            if "closes_at" in fields and fields["closes_at"] < batch.closes_at:
                raise ValidationError({"closes_at": _("发布后截止时间只能延后。")})
        for key, value in fields.items():
            if key not in EDITABLE:
                raise ValidationError({key: _("不能设置该字段。")})
            setattr(batch, key, value)
        _check_fields(batch)
        batch.full_clean()
        batch.save()
        if quotas is not None:
            _set_quotas(batch, quotas)
        record(action="batch.updated", actor=actor, organisation=acting_organisation(actor), obj=batch, before=before,
               after=snapshot(batch, BATCH_FIELDS))
    return batch


def publish_batch(*, actor, batch_id):
    """Open a draft batch for applications. Every city must have a quota.

    Side effects: state draft → open; an audit event; a notification to every approved enterprise's users.
    """
    from accounts.models import Membership, User

    if not actor.has_perm("certification.manage_batch"):
        raise PermissionDenied(_("只有省经信厅工作人员可以管理认定批次。"))
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.state != Batch.State.DRAFT:
            raise ValidationError(_("该批次已发布。"))
        cities = Region.objects.filter(level=Region.Level.CITY).count()
        if batch.quotas.count() < cities:
            raise ValidationError({"quotas": _("发布前请为全部 %(n)s 个设区市设置推荐名额。") % {"n": cities}})
        if batch.closes_at <= timezone.now():
            raise ValidationError({"closes_at": _("截止申报时间已过，不能发布。")})
        before = snapshot(batch, BATCH_FIELDS)
        batch.publish()
        batch.published_at = timezone.now()
        batch.save()
        record(action="batch.published", actor=actor, organisation=acting_organisation(actor), obj=batch, before=before,
               after=snapshot(batch, BATCH_FIELDS))
        recipients = User.objects.filter(
            is_active=True, memberships__role=Membership.Role.ENTERPRISE,
            memberships__organisation__status="approved",
        ).distinct()
        notify(recipients=list(recipients), kind="batch.published",
               subject=_("%(name)s 开始申报") % {"name": batch.name},
               body=_("申报截止时间：%(t)s。") % {"t": timezone.localtime(batch.closes_at).strftime("%Y-%m-%d %H:%M")},
               link=f"/batches/{batch.pk}/")
    return batch


def close_batch(*, actor=None, batch_id):
    """Close an open batch (staff, or the beat task at the deadline with actor=None).

    Side effects: state open → closed; an audit event.
    """
    if actor is not None and not actor.has_perm("certification.manage_batch"):
        raise PermissionDenied(_("只有省经信厅工作人员可以管理认定批次。"))
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.state != Batch.State.OPEN:
            return batch
        before = snapshot(batch, BATCH_FIELDS)
        batch.close()
        batch.save()
        record(action="batch.closed", actor=actor, organisation=acting_organisation(actor) if actor else None, obj=batch,
               before=before, after=snapshot(batch, BATCH_FIELDS),
               reason="" if actor else "deadline reached")
    return batch


def close_due_batches():
    """Close every open batch whose closing time has passed. Called by beat; idempotent."""
    due = Batch.objects.filter(state=Batch.State.OPEN, closes_at__lte=timezone.now()).values_list("pk", flat=True)
    return [close_batch(batch_id=pk).pk for pk in list(due)]
