"""Who reviews what: automatic assignment, manual changes by staff, and the expert's conflict declaration."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.fields import INDUSTRY_FIELDS
from accounts.models import ExpertProfile, User
from audit.services import record
from certification.models import Application, State
from notifications.services import notify

from .. import planner
from ..models import Assignment, ExpertConflict, ReviewRound, ScoreSheet
from .common import province_staff, require_staff, round_link

# Which applications take experts: those through formal review, and those already in expert review.
ASSIGNABLE = (State.PASSED, State.EXPERT_REVIEW)


def _locked_round(review_round):
    rr = ReviewRound.objects.select_for_update(of=("self",)).select_related("batch").get(pk=review_round.pk)
    if rr.state == ReviewRound.State.CLOSED:
        raise ValidationError(_("评审已结束，不能再调整评审专家。"))
    return rr


def _create(rr, pairs, actor, method):
    """Assignments and their empty sheets; applications through formal review join expert review if the
    round has started."""
    rows = Assignment.objects.bulk_create(
        Assignment(round=rr, application_id=a, expert_id=e, method=method, created_by=actor) for a, e in pairs
    )
    if rows and rows[0].pk is None:  # backends that do not return ids from bulk inserts
        rows = list(Assignment.objects.filter(round=rr, application_id__in={a for a, _e in pairs},
                                              expert_id__in={e for _a, e in pairs}, sheet__isnull=True))
    _create_empty_sheets(rr)
    if rr.state == ReviewRound.State.STARTED:
        Application.objects.filter(pk__in={a for a, _e in pairs}, state=State.PASSED).update(
            state=State.EXPERT_REVIEW, updated_at=timezone.now())
    return rows


def _create_empty_sheets(rr):
    """An empty draft sheet for every assignment of the round that has none, in one INSERT … SELECT."""
    sheet, assignment = ScoreSheet._meta.db_table, Assignment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {sheet} (assignment_id, application_id, state, scores, level_vote, comment, updated_at,"
            f" reopened_count) SELECT a.id, a.application_id, %s, '{{}}', '', '', %s, 0 FROM {assignment} a"
            f" WHERE a.round_id = %s AND NOT EXISTS (SELECT 1 FROM {sheet} s WHERE s.assignment_id = a.id)",
            [ScoreSheet.State.DRAFT, connection.ops.adapt_datetimefield_value(timezone.now()), rr.pk],
        )


def _tell_new(rr, rows):
    if rr.state != ReviewRound.State.STARTED or not rows:
        return
    counts = {}
    for r in rows:
        counts[r.expert_id] = counts.get(r.expert_id, 0) + 1
    for expert in User.objects.filter(pk__in=counts):
        notify(recipients=[expert], kind="review.assigned",
               subject=_("新的专家评审任务：%(batch)s") % {"batch": rr.batch.name},
               body=_("您新增 %(n)d 项申报待评审，请先声明有无利益冲突。") % {"n": counts[expert.pk]},
               link="/review/my/")


def planner_inputs(rr, application_ids=None):
    """The planner's view of the round, read in a fixed number of queries."""
    apps = (
        Application.objects.filter(batch_id=rr.batch_id, state__in=ASSIGNABLE)
        .annotate(active=Count("assignments", filter=_active_q()))
        .values_list("id", "enterprise_id", "field", "active")
    )
    if application_ids is not None:
        apps = apps.filter(pk__in=application_ids)
    applications = [planner.ApplicationIn(i, ent, fld, act) for i, ent, fld, act in apps]
    experts = [
        planner.ExpertIn(uid, emp, frozenset(fields or ()))
        for uid, emp, fields in ExpertProfile.objects.filter(active=True, user__is_active=True)
        .values_list("user_id", "employer_id", "fields")
    ]
    conflicts = frozenset(ExpertConflict.objects.values_list("expert_id", "organisation_id"))
    past = frozenset(Assignment.objects.filter(round=rr).values_list("application_id", "expert_id"))
    load = dict(
        Assignment.objects.filter(round=rr, state__in=Assignment.ACTIVE).values("expert_id")
        .annotate(n=Count("id")).values_list("expert_id", "n")
    )
    return dict(applications=applications, experts=experts, conflicts=conflicts, past=past, load=load)


def _active_q():
    return Q(assignments__state__in=Assignment.ACTIVE)


def shortage_message(shortage, application):
    label = dict(INDUSTRY_FIELDS).get(application["field"], application["field"])
    return _(
        "%(app)s：还需 %(needed)d 名专家，仅分配 %(assigned)d 名。“%(field)s”领域在库专家 %(in_field)d 名，"
        "可新分配 %(available)d 名（其余因工作单位为申报企业、声明回避、曾被撤换或已在评）。"
    ) % {"app": application["number"] or application["product_name"], "needed": shortage.needed,
         "assigned": shortage.assigned, "field": label, "in_field": shortage.in_field,
         "available": shortage.available}


def auto_assign(*, actor, review_round, application_ids=None):
    """Fill every application of the round (or the given ones) up to the configured number of experts.

    Returns {"created": n, "shortages": [{application, number, product_name, needed, assigned, in_field,
    available, message}]}. Side effects: assignments with empty sheets, one audit event, and (in a started
    round) one notification per newly assigned expert. Runs under the round's row lock, so two runs in
    parallel do not double-assign.
    """
    org = require_staff(actor)
    with transaction.atomic():
        rr = _locked_round(review_round)
        inputs = planner_inputs(rr, application_ids)
        result = planner.plan(per_application=rr.experts_per_application, **inputs)
        rows = _create(rr, result.pairs, actor, Assignment.Method.AUTO)
        info = {
            a["id"]: a for a in Application.objects.filter(pk__in=[s.application_id for s in result.shortages])
            .values("id", "number", "product_name", "field")
        }
        shortages = [
            {"application": s.application_id, "number": info[s.application_id]["number"],
             "product_name": info[s.application_id]["product_name"], "needed": s.needed, "assigned": s.assigned,
             "in_field": s.in_field, "available": s.available,
             "message": shortage_message(s, info[s.application_id])}
            for s in result.shortages
        ]
        record(action="review.auto_assigned", actor=actor, organisation=org, obj=rr,
               after={"created": len(rows), "applications": len({a for a, _e in result.pairs}),
                      "shortages": [{"application": s["application"], "needed": s["needed"],
                                     "assigned": s["assigned"]} for s in shortages]})
        _tell_new(rr, rows)
    return {"created": len(rows), "shortages": shortages}


def conflict_reason(expert_user, application):
    """Why this expert may not review this application, or "" when they may."""
    profile = ExpertProfile.objects.filter(user=expert_user).first()
    if profile is None or not profile.active or not expert_user.is_active:
        return _("该用户不是在库专家。")
    if profile.employer_id == application.enterprise_id:
        return _("专家的工作单位即申报企业，须回避。")
    if ExpertConflict.objects.filter(expert=expert_user, organisation_id=application.enterprise_id).exists():
        return _("专家已声明与申报企业存在利益冲突。")
    if Assignment.objects.filter(application=application, expert=expert_user).exists():
        return _("该专家已分配到此申报（或曾回避、被撤换），不能重复分配。")
    return ""


def add_assignment(*, actor, review_round, application, expert):
    """Staff put one expert on one application (any field: staff's judgement), unless a conflict forbids it."""
    org = require_staff(actor)
    with transaction.atomic():
        rr = _locked_round(review_round)
        if application.batch_id != rr.batch_id or application.state not in ASSIGNABLE:
            raise ValidationError({"application": _("该申报不在本批次的专家评审范围内。")})
        problem = conflict_reason(expert, application)
        if problem:
            raise ValidationError({"expert": problem})
        try:
            with transaction.atomic():
                rows = _create(rr, [(application.pk, expert.pk)], actor, Assignment.Method.MANUAL)
        except IntegrityError:
            raise ValidationError({"expert": _("该专家已分配到此申报。")}) from None
        record(action="review.assignment_added", actor=actor, organisation=org, obj=rows[0],
               after={"application": application.pk, "expert": expert.pk})
        _tell_new(rr, rows)
    return rows[0]


def remove_assignment(*, actor, assignment, reason):
    """Staff take an expert off an application (撤换), with a reason; a submitted sheet must be reopened first."""
    org = require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤换理由。")})
    with transaction.atomic():
        rr = _locked_round(assignment.round)
        a = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if a.state not in Assignment.ACTIVE:
            raise ValidationError(_("该专家已回避或已被撤换。"))
        if ScoreSheet.objects.filter(assignment=a, state=ScoreSheet.State.SUBMITTED).exists():
            raise ValidationError(_("该专家已提交评分表，不能撤换；如确需撤换，请先退回评分表。"))
        before = {"state": a.state}
        a.state = Assignment.State.REMOVED
        a.removed_reason = reason[:300]
        a.save(update_fields=["state", "removed_reason"])
        record(action="review.assignment_removed", actor=actor, organisation=org, obj=a, before=before,
               after={"state": a.state}, reason=reason)
        if rr.state == ReviewRound.State.STARTED:
            notify(recipients=[a.expert], kind="review.changed", subject=_("评审任务调整"),
                   body=_("您对一项申报的评审任务已由省经信厅调整，无需再评审。"), link="/review/my/")
    return a


def declare(*, actor, assignment_id, conflict, reason=""):
    """The expert declares, before opening the application, whether they have a conflict of interest with it.
    A conflict recuses them: the assignment leaves their list, the applicant joins their declared conflicts,
    and staff are told to replace them."""
    reason = (reason or "").strip()
    if conflict and not reason:
        raise ValidationError({"reason": _("声明存在利益冲突时请填写理由。")})
    from ..queries import my_assignments

    with transaction.atomic():
        try:
            a = my_assignments(actor).select_for_update(of=("self",)).get(pk=assignment_id)
        except (ObjectDoesNotExist, ValueError):
            raise PermissionDenied(_("没有该评审任务。")) from None
        a.round = ReviewRound.objects.select_related("batch").get(pk=a.round_id)
        if a.round.state != ReviewRound.State.STARTED:
            raise ValidationError(_("评审已结束。"))
        if a.round.deadline <= timezone.now():
            raise ValidationError(_("评审截止时间已过；如需延期，请联系省经信厅。"))
        if a.state != Assignment.State.PENDING:
            raise ValidationError(_("您已就该申报作出声明。"))
        application = Application.objects.select_related("enterprise").get(pk=a.application_id)
        a.declared_at = timezone.now()
        if not conflict:
            a.state = Assignment.State.ACCEPTED
            a.save(update_fields=["state", "declared_at"])
            record(action="review.no_conflict_declared", actor=actor, obj=a, after={"application": application.pk})
            return a
        a.state = Assignment.State.RECUSED
        a.conflict_reason = reason[:300]
        a.save(update_fields=["state", "declared_at", "conflict_reason"])
        ExpertConflict.objects.get_or_create(
            expert=actor, organisation=application.enterprise,
            defaults={"reason": reason[:300], "assignment": a, "created_by": actor},
        )
        record(action="review.conflict_declared", actor=actor, obj=a, reason=reason,
               after={"application": application.pk, "enterprise": application.enterprise_id})
        notify(recipients=province_staff(), kind="review.recused",
               subject=_("专家申请回避，请补派：%(app)s") % {"app": application.number},
               body=_("专家 %(expert)s 声明与“%(product)s”（%(ent)s）存在利益冲突：%(reason)s。请补派一名专家。")
               % {"expert": actor, "product": application.product_name, "ent": application.enterprise.name,
                  "reason": reason},
               link=round_link(a.round) + f"assignments/?application={application.pk}")
    return a


def flag_conflict(*, actor, expert, organisation, reason):
    """Staff record that an expert must not review an organisation (回避单位), e.g. a former employer. Their
    unsubmitted assignments on that organisation's applications are withdrawn, so staff can replace them."""
    org = require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写回避理由。")})
    if not ExpertProfile.objects.filter(user=expert).exists():
        raise ValidationError({"expert": _("该用户不是在库专家。")})
    with transaction.atomic():
        conflict, created = ExpertConflict.objects.get_or_create(
            expert=expert, organisation=organisation,
            defaults={"reason": reason[:300], "created_by": actor},
        )
        if not created:
            raise ValidationError({"organisation": _("已登记该专家与此单位的利益冲突。")})
        withdrawn = [a.pk for a in withdraw_from_organisation(expert=expert, organisation=organisation,
                                                              actor=actor, reason=reason, tell=False)]
        record(action="review.conflict_flagged", actor=actor, organisation=org, obj=conflict, reason=reason,
               after={"expert": expert.pk, "organisation": organisation.pk, "withdrawn_assignments": withdrawn})
    return conflict, withdrawn


def withdraw_deactivated_expert(*, expert, actor, reason):
    """A deactivated expert leaves their unsubmitted assignments in open rounds; staff are told to replace them.
    Connected to accounts.signals.expert_deactivated (review/apps.py), in the deactivating transaction."""
    rows = list(
        Assignment.objects.select_for_update(of=("self",))
        .filter(expert=expert, state__in=Assignment.ACTIVE, round__state__in=(ReviewRound.State.SETUP,
                                                                               ReviewRound.State.STARTED))
        .exclude(sheet__state=ScoreSheet.State.SUBMITTED)
    )
    if not rows:
        return []
    Assignment.objects.filter(pk__in=[a.pk for a in rows]).update(
        state=Assignment.State.REMOVED, removed_reason=(_("专家已停用：%(reason)s") % {"reason": reason})[:300])
    record(action="review.expert_withdrawn", actor=actor, obj=expert, reason=reason,
           after={"assignments": [a.pk for a in rows]})
    notify(recipients=province_staff(), kind="review.recused",
           subject=_("专家已停用，请补派：%(expert)s") % {"expert": expert},
           body=_("专家 %(expert)s 已停用，其 %(n)d 项未完成的评审任务已撤换，请补派专家。")
           % {"expert": expert, "n": len(rows)}, link="/review/rounds/")
    return rows


def withdraw_from_organisation(*, expert, organisation, actor, reason, tell=True):
    """Withdraw the expert's unsubmitted assignments on the organisation's applications (a conflict that came
    to light: flagged by staff, or a new employer), and tell staff to replace them. Returns the assignments."""
    rows = list(
        Assignment.objects.select_for_update(of=("self",))
        .filter(expert=expert, application__enterprise=organisation, state__in=Assignment.ACTIVE)
        .exclude(sheet__state=ScoreSheet.State.SUBMITTED)
    )
    if not rows:
        return []
    Assignment.objects.filter(pk__in=[a.pk for a in rows]).update(
        state=Assignment.State.REMOVED, removed_reason=(_("利益冲突：%(reason)s") % {"reason": reason})[:300])
    if tell:
        record(action="review.conflict_withdrawn", actor=actor, obj=expert, reason=reason,
               after={"organisation": organisation.pk, "assignments": [a.pk for a in rows]})
        notify(recipients=province_staff(), kind="review.recused",
               subject=_("专家须回避，请补派：%(expert)s") % {"expert": expert},
               body=_("专家 %(expert)s 与%(org)s存在利益冲突（%(reason)s），其 %(n)d 项评审任务已撤换，请补派专家。")
               % {"expert": expert, "org": organisation.name, "reason": reason, "n": len(rows)},
               link="/review/rounds/")
    return rows
