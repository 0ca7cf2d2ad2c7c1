"""拟认定: province staff record the proposed result of an application from its review results."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from certification.models import AFTER_SCORING, Application

from .. import results
from ..models import Proposal, ReviewRound, ScoreSheet
from .common import require_staff

# A vote of "not recommended" agrees with an outcome of "not proposed".
VOTE_AS_OUTCOME = {ScoreSheet.Vote.NONE: Proposal.Outcome.NOT_PROPOSED}


def on_public_notice(application_id):
    """The application is on a published (or closed) public notice: its proposal is public and final."""
    from recognition.models import Notice, NoticeItem

    return NoticeItem.objects.filter(application_id=application_id,
                                     notice__state__in=[Notice.State.PUBLISHED, Notice.State.CLOSED]).exists()


def reason_needed(outcome, declared_level, majority):
    """A reason is required when the outcome differs from the declared level, or from the majority vote."""
    majority_outcome = VOTE_AS_OUTCOME.get(majority, majority)
    return outcome != declared_level or bool(majority and outcome != majority_outcome)


def record_proposal(*, actor, application_id, outcome, reason=""):
    """Record (or change, until the notice) the proposal for one application whose sheets are all in."""
    org = require_staff(actor)
    reason = (reason or "").strip()
    if outcome not in Proposal.Outcome.values:
        raise ValidationError({"outcome": _("请选择拟认定结果。")})
    with transaction.atomic():
        app = Application.objects.select_for_update().filter(pk=application_id).first()
        if app is None:
            raise ValidationError({"application": _("申报不存在。")})
        rr = ReviewRound.objects.filter(batch_id=app.batch_id).first()
        if rr is None or rr.state == ReviewRound.State.SETUP or app.state not in AFTER_SCORING:
            raise ValidationError(_("该申报尚未进入专家评审，不能提出拟认定意见。"))
        if on_public_notice(app.pk):
            raise ValidationError(_("该申报已列入公示，拟认定意见不能再修改；如有异议，请通过异议处理调整。"))
        row = results.application_result(rr, app.pk)
        if row.pending:
            raise ValidationError(_("尚有 %(n)d 份评分表未提交，请待全部提交后再提出拟认定意见。") % {"n": row.pending})
        if row.sheets < rr.experts_per_application:
            raise ValidationError(_(
                "该申报只有 %(n)d 份已提交的评分表，少于每项 %(k)d 名专家：请先补派专家（或调整每项专家数）。")
                % {"n": row.sheets, "k": rr.experts_per_application})
        if reason_needed(outcome, app.declared_level, row.majority) and not reason:
            raise ValidationError({"reason": _("拟认定结果与申报级别或专家多数意见不一致，请填写理由。")})
        existing = Proposal.objects.filter(application=app).first()
        before = {"outcome": existing.outcome, "reason": existing.reason} if existing else None
        proposal, _created = Proposal.objects.update_or_create(
            application=app,
            defaults={"outcome": outcome, "reason": reason, "score": row.score, "rank": row.rank,
                      "majority_vote": row.majority, "decided_by": actor, "decided_at": timezone.now()},
        )
        if outcome == Proposal.Outcome.NOT_PROPOSED:
            app.not_propose()
        else:
            app.propose()
        app.save()
        record(action="review.proposal_recorded", actor=actor, organisation=org, obj=proposal, before=before,
               after={"application": app.pk, "outcome": outcome, "score": row.score, "rank": row.rank,
                      "majority_vote": row.majority}, reason=reason)
    return proposal
