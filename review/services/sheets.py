"""Score sheets: the expert saves a draft and submits (locked); staff may reopen one with a reason."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from certification.models import Application
from notifications.services import notify

from .. import scoring
from ..models import Assignment, Proposal, ReviewRound, ScoreSheet
from ..queries import my_sheets
from .common import expert_link, require_staff
from .proposals import on_public_notice

MAX_COMMENT = 4000


def _own_sheet_locked(actor, sheet_id):
    """The expert's sheet under its assignment's row lock and then its own: staff removing the assignment
    (which locks the assignment too) and the expert submitting are serialised, never both done."""
    try:
        assignment_id = my_sheets(actor).values_list("assignment_id", flat=True).get(pk=sheet_id)
    except (ObjectDoesNotExist, ValueError):
        raise PermissionDenied(_("没有该评分表。")) from None
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("round").get(pk=assignment_id)
    sheet = ScoreSheet.objects.select_for_update().get(pk=sheet_id)
    sheet.assignment = assignment
    return sheet


def _check_writable(sheet):
    a = sheet.assignment
    if a.state != Assignment.State.ACCEPTED:
        raise ValidationError(_("请先声明与该申报无利益冲突，再填写评分表。"))
    if sheet.state == ScoreSheet.State.SUBMITTED:
        raise ValidationError(_("评分表已提交并锁定，不能修改；如需修改，请联系省经信厅退回。"))
    if a.round.state != ReviewRound.State.STARTED:
        raise ValidationError(_("评审已结束，不能再修改评分表。"))
    if a.round.deadline <= timezone.now():
        raise ValidationError(_("评审截止时间已过，不能再修改评分表；如需延期，请联系省经信厅。"))


def clean_scores(criteria, scores, *, complete):
    """{criterion id (str or int): value} → {criterion id: Decimal}; errors keyed scores.<id>, naming it."""
    scores = scores or {}
    if not isinstance(scores, dict):
        raise ValidationError({"scores": _("各项得分格式错误。")})
    by_id = {str(c.id): c for c in criteria}
    errors, cleaned = {}, {}
    for key in scores:
        if str(key) not in by_id:
            errors["scores"] = _("包含未知的评分项。")
    for key, c in by_id.items():
        raw = scores.get(key, scores.get(c.id))
        if raw is None or str(raw).strip() == "":
            if complete:
                errors[f"scores.{key}"] = _("请为“%(name)s”打分。") % {"name": c.name}
            continue
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0 or value > c.max_points or (
            value != value.quantize(Decimal("0.1"))
        ):
            errors[f"scores.{key}"] = _("“%(name)s”的得分须在 0 至 %(max)s 之间，最多一位小数。") % {
                "name": c.name, "max": format(scoring.q2(c.max_points).normalize(), "f")}
            continue
        cleaned[c.id] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply(sheet, criteria, *, scores, level_vote, comment, complete):
    errors = {}
    try:
        cleaned = clean_scores(criteria, scores, complete=complete)
    except ValidationError as e:
        errors.update(e.message_dict)
        cleaned = {}
    level_vote = (level_vote or "").strip()
    if level_vote and level_vote not in ScoreSheet.Vote.values:
        errors["level_vote"] = _("推荐级别无效。")
    elif complete and not level_vote:
        errors["level_vote"] = _("请选择推荐级别。")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("评审意见不超过%(n)d字。") % {"n": MAX_COMMENT}
    elif complete and not comment:
        errors["comment"] = _("请填写评审意见。")
    if errors:
        raise ValidationError(errors)
    sheet.scores = {str(k): str(v) for k, v in cleaned.items()}
    sheet.level_vote = level_vote
    sheet.comment = comment
    return cleaned


def save_draft(*, actor, sheet_id, scores=None, level_vote="", comment=""):
    """Keep what the expert has typed so far; each given score must already be valid."""
    with transaction.atomic():
        sheet = _own_sheet_locked(actor, sheet_id)
        _check_writable(sheet)
        criteria = list(sheet.assignment.round.criteria.all())
        _apply(sheet, criteria, scores=scores, level_vote=level_vote, comment=comment, complete=False)
        sheet.save(update_fields=["scores", "level_vote", "comment", "updated_at"])
    return sheet


def submit(*, actor, sheet_id, scores, level_vote, comment, confirmed):
    """Submit and lock the sheet: every criterion scored, a level recommended, a comment written, and the
    expert's confirmation. Under the sheet's row lock, so of two simultaneous submits exactly one succeeds."""
    with transaction.atomic():
        sheet = _own_sheet_locked(actor, sheet_id)
        _check_writable(sheet)
        criteria = list(sheet.assignment.round.criteria.all())
        cleaned = _apply(sheet, criteria, scores=scores, level_vote=level_vote, comment=comment, complete=True)
        if not confirmed:
            raise ValidationError({"confirmed": _("请确认评分无误：提交后评分表将锁定，不能再修改。")})
        sheet.total = scoring.sheet_total(cleaned, criteria)
        sheet.state = ScoreSheet.State.SUBMITTED
        sheet.submitted_at = timezone.now()
        sheet.save()
        record(action="review.sheet_submitted", actor=actor, obj=sheet,
               after={"application": sheet.application_id, "total": sheet.total, "scores": sheet.scores,
                      "level_vote": sheet.level_vote})
    return sheet


def reopen(*, actor, sheet_id, reason):
    """Staff send a submitted sheet back to its expert (e.g. a scoring error), with a reason; logged."""
    org = require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回评分表的理由。")})
    with transaction.atomic():
        try:
            sheet = ScoreSheet.objects.select_for_update().get(pk=sheet_id)
        except (ObjectDoesNotExist, ValueError):
            raise PermissionDenied(_("没有该评分表。")) from None
        a = Assignment.objects.select_related("round", "expert").get(pk=sheet.assignment_id)
        if sheet.state != ScoreSheet.State.SUBMITTED:
            raise ValidationError(_("只有已提交的评分表可以退回。"))
        if on_public_notice(sheet.application_id):
            raise ValidationError(_("该申报已列入公示，评分表不能再退回。"))
        if a.round.state != ReviewRound.State.STARTED:
            raise ValidationError(_("评审已结束，评分表不能再退回。"))
        if a.round.deadline <= timezone.now():
            raise ValidationError(_("评审截止时间已过，专家无法修改退回的评分表；请先延长评审截止时间。"))
        before = {"state": sheet.state, "total": sheet.total, "scores": sheet.scores, "level_vote": sheet.level_vote,
                  "submitted_at": sheet.submitted_at}
        # A proposal recorded on the sheets as they were is withdrawn; staff record it again once all are in.
        proposal = Proposal.objects.select_related("application").filter(application_id=sheet.application_id).first()
        if proposal is not None:
            app = Application.objects.select_for_update().get(pk=sheet.application_id)
            before["proposal"] = {"outcome": proposal.outcome, "reason": proposal.reason, "score": proposal.score}
            proposal.delete()
            app.withdraw_proposal()
            app.save(update_fields=["state", "updated_at"])
        sheet.state = ScoreSheet.State.DRAFT
        sheet.total = None
        sheet.submitted_at = None
        sheet.reopened_count += 1
        sheet.save()
        record(action="review.sheet_reopened", actor=actor, organisation=org, obj=sheet, before=before,
               after={"state": sheet.state}, reason=reason)
        notify(recipients=[a.expert], kind="review.changed", subject=_("评分表已退回修改"),
               body=_("省经信厅退回了您的一份评分表：%(reason)s。请修改后重新提交。") % {"reason": reason},
               link=expert_link(a))
    return sheet
