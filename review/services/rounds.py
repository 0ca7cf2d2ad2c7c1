"""Writes to a batch's review round: settings, rubric, panels; start and close."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.fields import INDUSTRY_FIELDS
from audit.services import record, snapshot
from certification.models import Application, Batch, State
from notifications.services import notify

from ..models import Assignment, Criterion, Panel, ReviewRound
from .common import require_staff

SETTINGS_FIELDS = ["experts_per_application", "aggregation", "dispersion_threshold", "deadline"]
DEFAULT_CRITERIA = [
    ("创新性", "核心技术自主创新程度、与国内外同类产品相比的突破", 30),
    ("先进性", "关键技术指标达到的水平（国际、国内、省内领先）", 25),
    ("质量可靠性", "检测报告、试验验证与运行情况", 15),
    ("知识产权", "自主知识产权的数量、质量与权属", 15),
    ("应用前景与效益", "首台销售与用户评价、市场前景、经济社会效益", 15),
]
DEFAULT_REVIEW_DAYS = 14


def _locked(review_round):
    return ReviewRound.objects.select_for_update().get(pk=review_round.pk)


def _require_state(review_round, *states, message):
    if review_round.state not in states:
        raise ValidationError(message)


def create_round(*, actor, batch):
    """The batch's review round with the default rubric (five criteria, 100 points, equal weights), one panel
    per field that has applications through formal review, and a deadline two weeks ahead. Idempotent."""
    org = require_staff(actor)
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        existing = ReviewRound.objects.filter(batch=batch).first()
        if existing:
            return existing
        if batch.state == Batch.State.DRAFT:
            raise ValidationError(_("批次尚未发布，不能设置专家评审。"))
        deadline = (timezone.localtime() + timedelta(days=DEFAULT_REVIEW_DAYS)).replace(
            hour=17, minute=0, second=0, microsecond=0)
        rr = ReviewRound.objects.create(batch=batch, deadline=deadline, created_by=actor)
        Criterion.objects.bulk_create(
            Criterion(round=rr, name=n, description=d, max_points=m, weight=1, position=i)
            for i, (n, d, m) in enumerate(DEFAULT_CRITERIA)
        )
        labels = dict(INDUSTRY_FIELDS)
        fields = set(
            Application.objects.filter(batch=batch, state__in=[State.PASSED, State.EXPERT_REVIEW])
            .values_list("field", flat=True)
        )
        Panel.objects.bulk_create(
            Panel(round=rr, name=str(labels[f]) + _("组"), fields=[f], position=i)
            for i, f in enumerate(code for code, _label in INDUSTRY_FIELDS if code in fields)
        )
        record(action="review.round_created", actor=actor, organisation=org, obj=rr,
               after=snapshot(rr, SETTINGS_FIELDS) | {"batch": batch.pk})
    return rr


def update_settings(*, actor, review_round, **changes):
    """Experts per application (3–9), aggregation, dispersion threshold and deadline. Allowed until the round
    closes; the deadline must lie in the future."""
    org = require_staff(actor)
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError({name: _("该项不可修改。") for name in unknown})
    with transaction.atomic():
        rr = _locked(review_round)
        _require_state(rr, ReviewRound.State.SETUP, ReviewRound.State.STARTED,
                       message=_("评审已结束，设置不能再修改。"))
        before = snapshot(rr, SETTINGS_FIELDS)
        for name, value in changes.items():
            setattr(rr, name, value)
        rr.full_clean(exclude=["batch", "created_by"])
        if "deadline" in changes and rr.deadline <= timezone.now():
            raise ValidationError({"deadline": _("评审截止时间必须晚于当前时间。")})
        rr.save()
        record(action="review.settings_changed", actor=actor, organisation=org, obj=rr, before=before,
               after=snapshot(rr, SETTINGS_FIELDS))
    return rr


def _decimal(value, field, label, errors):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = _("%(label)s须为数字。") % {"label": label}
        return None
    if not number.is_finite() or number <= 0 or number > 1000 or number != number.quantize(Decimal("0.01")):
        errors[field] = _("%(label)s须为大于0、不超过1000、最多两位小数的数。") % {"label": label}
        return None
    return number


def clean_criteria(rows):
    """rows: [{name, description, max_points, weight}] → list of unsaved Criterion, or ValidationError keyed
    criteria.<n>.<field> (n from 1), naming the row."""
    errors, seen, cleaned = {}, set(), []
    if not rows:
        raise ValidationError({"criteria": _("评分细则至少需要一个评分项。")})
    for i, row in enumerate(rows, start=1):
        name = str(row.get("name") or "").strip()
        if not name:
            errors[f"criteria.{i}.name"] = _("第%(n)d项：请填写评分项名称。") % {"n": i}
        elif name in seen:
            errors[f"criteria.{i}.name"] = _("第%(n)d项：评分项“%(name)s”重复。") % {"n": i, "name": name}
        elif len(name) > 60:
            errors[f"criteria.{i}.name"] = _("第%(n)d项：评分项名称不超过60个字。") % {"n": i}
        seen.add(name)
        max_points = _decimal(row.get("max_points"), f"criteria.{i}.max_points", _("第%(n)d项满分") % {"n": i},
                              errors)
        weight = _decimal(row.get("weight", 1), f"criteria.{i}.weight", _("第%(n)d项权重") % {"n": i}, errors)
        description = str(row.get("description") or "").strip()[:300]
        cleaned.append(Criterion(name=name, description=description, max_points=max_points, weight=weight,
                                 position=i - 1))
    if len(rows) > 20:
        errors["criteria"] = _("评分项不超过20个。")
    if errors:
        raise ValidationError(errors)
    return cleaned


def set_criteria(*, actor, review_round, rows):
    """Replace the rubric. Only while the round is being configured: sheets refer to the criteria."""
    org = require_staff(actor)
    criteria = clean_criteria(rows)
    with transaction.atomic():
        rr = _locked(review_round)
        _require_state(rr, ReviewRound.State.SETUP, message=_("评审已开始，评分细则不能再修改。"))
        before = list(rr.criteria.values("name", "max_points", "weight"))
        rr.criteria.all().delete()
        for c in criteria:
            c.round = rr
        Criterion.objects.bulk_create(criteria)
        record(action="review.rubric_changed", actor=actor, organisation=org, obj=rr, before={"criteria": before},
               after={"criteria": [{"name": c.name, "max_points": c.max_points, "weight": c.weight}
                                   for c in criteria]})
    return list(rr.criteria.all())


def clean_panels(rows):
    known = dict(INDUSTRY_FIELDS)
    errors, names, taken, cleaned = {}, set(), {}, []
    if not rows:
        raise ValidationError({"panels": _("至少需要一个评审组。")})
    for i, row in enumerate(rows, start=1):
        name = str(row.get("name") or "").strip()
        fields = row.get("fields") or []
        if not name or len(name) > 60:
            errors[f"panels.{i}.name"] = _("第%(n)d组：请填写不超过60个字的评审组名称。") % {"n": i}
        elif name in names:
            errors[f"panels.{i}.name"] = _("第%(n)d组：评审组名称“%(name)s”重复。") % {"n": i, "name": name}
        names.add(name)
        if not isinstance(fields, list) or not fields or any(not isinstance(f, str) or f not in known for f in fields):
            errors[f"panels.{i}.fields"] = _("第%(n)d组：请从十大领域中选择至少一个领域。") % {"n": i}
            fields = []
        for f in fields:
            if f in taken:
                errors[f"panels.{i}.fields"] = _("第%(n)d组：领域“%(field)s”已属于“%(other)s”。") % {
                    "n": i, "field": known[f], "other": taken[f]}
            taken[f] = name
        cleaned.append(Panel(name=name, fields=list(dict.fromkeys(fields)), position=i - 1))
    if errors:
        raise ValidationError(errors)
    return cleaned


def set_panels(*, actor, review_round, rows):
    """Replace the panels (each field in at most one panel). Panels group the ranking and the board; the
    assignment itself matches an application's field, so panels may change until the round closes."""
    org = require_staff(actor)
    panels = clean_panels(rows)
    with transaction.atomic():
        rr = _locked(review_round)
        _require_state(rr, ReviewRound.State.SETUP, ReviewRound.State.STARTED,
                       message=_("评审已结束，评审组不能再修改。"))
        before = list(rr.panels.values("name", "fields"))
        rr.panels.all().delete()
        for p in panels:
            p.round = rr
        Panel.objects.bulk_create(panels)
        record(action="review.panels_changed", actor=actor, organisation=org, obj=rr, before={"panels": before},
               after={"panels": [{"name": p.name, "fields": p.fields} for p in panels]})
    return list(rr.panels.all())


def understaffed(review_round, states=(State.PASSED, State.EXPERT_REVIEW)):
    """Applications of the round with fewer active experts than the setting, with their count."""
    return list(
        Application.objects.filter(batch_id=review_round.batch_id, state__in=states)
        .annotate(active=Count("assignments", filter=Q(assignments__state__in=Assignment.ACTIVE)))
        .filter(active__lt=review_round.experts_per_application)
        .order_by("number")
        .values("id", "number", "product_name", "field", "active")
    )


def start_round(*, actor, review_round):
    """Experts may now declare and score: every application through formal review moves to expert review,
    and each assigned expert is told; assignments on applications withdrawn since are removed. Needs a closed
    batch, a rubric, a future deadline and the full number of experts on every application."""
    org = require_staff(actor)
    with transaction.atomic():
        rr = _locked(review_round)
        _require_state(rr, ReviewRound.State.SETUP, message=_("评审已开始或已结束。"))
        batch = rr.batch
        if batch.state != Batch.State.CLOSED:
            raise ValidationError(_("批次申报截止后才能开始专家评审。"))
        if not rr.criteria.exists():
            raise ValidationError({"criteria": _("请先设置评分细则。")})
        if rr.deadline <= timezone.now():
            raise ValidationError({"deadline": _("评审截止时间已过，请先修改。")})
        apps = Application.objects.filter(batch=batch, state=State.PASSED)
        if not apps.exists():
            raise ValidationError(_("本批次没有通过形式审查的申报，无需专家评审。"))
        short = understaffed(rr, states=(State.PASSED,))
        if short:
            raise ValidationError({"assignments": _(
                "%(n)d 项申报的评审专家不足 %(k)d 名（如 %(first)s），请先自动分配或人工补足，或调整每项专家数。")
                % {"n": len(short), "k": rr.experts_per_application,
                   "first": short[0]["number"] or short[0]["product_name"]}})
        # An application withdrawn after it was assigned (withdrawal is open until expert review) loses its experts.
        dropped = list(Assignment.objects.filter(round=rr, state__in=Assignment.ACTIVE)
                       .exclude(application__state=State.PASSED).values_list("pk", flat=True))
        Assignment.objects.filter(pk__in=dropped).update(state=Assignment.State.REMOVED,
                                                          removed_reason=_("申报已撤回，无需评审。"))
        moved = apps.update(state=State.EXPERT_REVIEW, updated_at=timezone.now())
        rr.start()
        rr.started_at = timezone.now()
        rr.save()
        _tell_assigned(rr)
        record(action="review.round_started", actor=actor, organisation=org, obj=rr,
               after={"applications": moved, "deadline": rr.deadline, "removed_assignments": dropped})
    return rr


def _tell_assigned(rr):
    counts = {}
    for expert_id in Assignment.objects.filter(round=rr, state__in=Assignment.ACTIVE).values_list("expert_id",
                                                                                                   flat=True):
        counts[expert_id] = counts.get(expert_id, 0) + 1
    from accounts.models import User

    deadline = timezone.localtime(rr.deadline).strftime("%Y-%m-%d %H:%M")
    for expert in User.objects.filter(pk__in=counts):
        notify(recipients=[expert], kind="review.assigned",
               subject=_("专家评审任务：%(batch)s") % {"batch": rr.batch.name},
               body=_("您有 %(n)d 项申报待评审，请先声明有无利益冲突，再于 %(deadline)s 前提交评分表。")
               % {"n": counts[expert.pk], "deadline": deadline},
               link="/review/my/")


def close_round(*, actor, review_round):
    """Scoring ends: experts can no longer submit; proposals can still be recorded."""
    org = require_staff(actor)
    with transaction.atomic():
        rr = _locked(review_round)
        _require_state(rr, ReviewRound.State.STARTED, message=_("只有评审中的批次可以结束评审。"))
        rr.close()
        rr.closed_at = timezone.now()
        rr.save()
        record(action="review.round_closed", actor=actor, organisation=org, obj=rr, after={"closed_at": rr.closed_at})
    return rr
