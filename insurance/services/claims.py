"""Writes to compensation claims (补偿申请): the enterprise's draft and submission, the local preliminary review
(初审), the joint review's sign-offs (部门联审) and listing for payout. One service per transition, each under the
claim's row lock (insurance/workflow.py holds the table of who may do what when).

Amounts: submission computes eligibility and amount (computation.recompute) and stores them with the rule-set
version; reviewers see the reasons. The third approval freezes the amount: approved_amount is the computed amount,
or the industry department's adjusted amount (with its reason); nothing recomputes an approved claim.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organisation, User
from accounts.roles import acting_organisation, roles_of
from audit.services import record, snapshot
from notifications.services import notify
from recognition.models import Recognition

from .. import workflow
from ..models import Claim, Policy, RuleSet, SignOff
from ..queries import claims_visible_to
from . import computation
from .documents import missing_types
from .rules import current_rule_set

R = Membership.Role
State = Claim.State
AUDIT_FIELDS = ["number", "state", "cover_year", "review_round", "rule_set", "eligible", "computed_amount",
                "approved_amount", "adjustment_reason", "return_reason"]
# Any constant works; it names the advisory lock that serialises claim numbering on PostgreSQL.
_NUMBER_LOCK_KEY = 7_412_611
DEFAULT_MAX_YEARS = RuleSet._meta.get_field("max_years").default
LOCAL_ACTIONS = {"local_pass": "pass_local", "local_return": "return_for_changes", "local_reject": "reject"}
# Sent inside the make_payable transaction (claim, actor): payouts proposes the claim's payout (payouts/apps.py).
claim_payable = Signal()
ROLE_OF_ACTOR = {  # workflow role → membership role, for the audit's organisation
    workflow.LOCAL: (R.COUNTY_STAFF, R.CITY_STAFF), workflow.INDUSTRY: (R.PROVINCE_STAFF,),
    workflow.FINANCE: (R.FINANCE_STAFF,), workflow.REGULATOR: (R.REGULATOR_STAFF,),
}


def _link(claim):
    return f"/insurance/claims/{claim.pk}/"


def _lock(actor, claim_id):
    """The claim row, locked, if the actor can see it; 404 otherwise (existence must not leak)."""
    claim = claims_visible_to(actor).select_for_update(of=("self",)).filter(pk=claim_id).first()
    if claim is None:
        raise Http404
    return claim


def _own_enterprise_ids(actor):
    return [o.pk for o in roles_of(actor).organisations(R.ENTERPRISE)]


# --- who is told ---------------------------------------------------------------------------------------------


def _enterprise_users(claim):
    return list(User.objects.filter(memberships__organisation_id=claim.enterprise_id, is_active=True).distinct())


def _local_reviewers(claim):
    if workflow.local_level(claim) == "county":
        qs = User.objects.filter(memberships__role=R.COUNTY_STAFF, memberships__organisation__region_id=claim.region_id)
    else:
        qs = User.objects.filter(memberships__role=R.CITY_STAFF, memberships__organisation__region_id=claim.city_id)
    return list(qs.filter(is_active=True).distinct())


DEPARTMENT_MEMBERSHIP = {
    SignOff.Department.INDUSTRY: R.PROVINCE_STAFF,
    SignOff.Department.FINANCE: R.FINANCE_STAFF,
    SignOff.Department.REGULATOR: R.REGULATOR_STAFF,
}


def _department_staff(*departments):
    users = User.objects.none()
    for department in departments:
        users = users | User.objects.filter(
            memberships__role=DEPARTMENT_MEMBERSHIP[department],
            memberships__organisation__bureau_level=Organisation.BureauLevel.PROVINCE,
            memberships__organisation__department=department,
        )
    return list(users.filter(is_active=True).distinct())


def _what(claim):
    return {"n": claim.number, "e": claim.enterprise.name, "p": claim.recognition.product_name,
            "y": claim.cover_year}


def _tell_enterprise(claim, subject, body):
    notify(recipients=_enterprise_users(claim), kind="claim.decision", subject=subject, body=body, link=_link(claim))


# --- the enterprise's draft ----------------------------------------------------------------------------------


def _max_years(recognition):
    rules = current_rule_set(recognition.year, recognition.batch_id)
    return rules.max_years if rules else DEFAULT_MAX_YEARS


def _cover_year(value, recognition):
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"cover_year": [_("请填写补偿年度（第几年）。")]}) from None
    limit = _max_years(recognition)
    if not 1 <= year <= limit:
        raise ValidationError({"cover_year": [_("补偿年度应为第 1 至第 %(n)s 年。") % {"n": limit}]})
    return year


def _policies(policy_ids, recognition):
    ids = list(dict.fromkeys(policy_ids or []))
    if not ids:
        raise ValidationError({"policies": [_("请选择至少一张保单。")]})
    try:
        policies = list(Policy.objects.filter(pk__in=ids, recognition=recognition))
    except (TypeError, ValueError):
        policies = []
    if len(policies) != len(ids):
        raise ValidationError({"policies": [_("只能选择本认定产品的保单。")]})
    return policies


def _next_number(year):
    """The next claim number of the year (BX2026-00001 …). Serialised: an advisory lock on PostgreSQL; SQLite
    runs IMMEDIATE transactions, so the writer already holds the database lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_NUMBER_LOCK_KEY])
    prefix = f"BX{year}-"
    last = (Claim.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True)
            .first())
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def _duplicate_year():
    return ValidationError({"cover_year": [_("该认定产品本年度的补偿申请已存在。")]})


def create_claim(*, actor, recognition_id, policy_ids, cover_year):
    """Start a draft claim for one year of cover of the enterprise's recognition, with its policies. The claim
    gets its number now and the enterprise's city and county as they are.

    Side effects: a Claim (draft) with its number; an audit event.
    """
    recognition = (Recognition.objects.select_related("enterprise__region__parent")
                   .filter(pk=recognition_id, enterprise_id__in=_own_enterprise_ids(actor)).first())
    if recognition is None:
        raise Http404
    enterprise = recognition.enterprise
    if enterprise.status != Organisation.Status.APPROVED:
        raise PermissionDenied(_("企业注册审核通过后才能申请补偿。"))
    if recognition.status == Recognition.Status.REVOKED:
        raise ValidationError({"recognition": [_("该认定已撤销，不能申请保险补偿。")]})
    year = _cover_year(cover_year, recognition)
    policies = _policies(policy_ids, recognition)
    region = enterprise.region
    city = region.city
    if city is None:
        raise ValidationError({"recognition": [_("企业所在地区不完整（须到设区市或县级），请先更新企业信息。")]})
    with transaction.atomic():
        claim = Claim(enterprise=enterprise, recognition=recognition, cover_year=year, city=city, region=region,
                      created_by=actor, number=_next_number(timezone.localdate().year))
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError:
            raise _duplicate_year() from None
        claim.policies.set(policies)
        record(action="claim.created", actor=actor, organisation=enterprise, obj=claim,
               after={**snapshot(claim, AUDIT_FIELDS), "policies": sorted(p.pk for p in policies)})
    return claim


def update_claim(*, actor, claim_id, policy_ids=None, cover_year=None):
    """Change a draft or returned claim's policies or year of cover (None: unchanged).

    Side effects: the claim's fields and policy links; an audit event when something changed.
    """
    with transaction.atomic():
        claim = _lock(actor, claim_id)
        if not workflow.can_edit(actor, claim):
            raise PermissionDenied(_("当前状态不能修改补偿申请。"))
        before = {**snapshot(claim, AUDIT_FIELDS), "policies": sorted(claim.policies.values_list("pk", flat=True))}
        if cover_year is not None:
            claim.cover_year = _cover_year(cover_year, claim.recognition)
        if policy_ids is not None:
            claim.policies.set(_policies(policy_ids, claim.recognition))
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError:
            raise _duplicate_year() from None
        after = {**snapshot(claim, AUDIT_FIELDS), "policies": sorted(claim.policies.values_list("pk", flat=True))}
        if after != before:
            record(action="claim.edited", actor=actor, organisation=claim.enterprise, obj=claim, before=before,
                   after=after)
    return claim


def submission_errors(claim):
    """What a submission still lacks: {field: [messages]} (empty when complete)."""
    errors = {}
    if not claim.policies.exists():
        errors["policies"] = [_("请选择至少一张保单。")]
    missing = missing_types(claim)
    if missing:
        from ..models import ClaimDocument

        labels = "、".join(str(ClaimDocument.Type(t).label) for t in missing)
        errors["documents"] = [_("缺少申请材料：%(list)s") % {"list": labels}]
    return errors


def submit(*, actor, claim_id):
    """Submit a complete draft, or resubmit a returned claim: eligibility and amount are computed now and stored
    with the rule-set version (an ineligible claim is submitted too: the reviewers see the reasons). It goes to
    the local bureau (the county's industry bureau where it has staff, else the city's).

    Side effects: computed fields (computation.recompute), submitted_at, state draft|returned → local_review,
    return_reason cleared; an audit event; notifications to the local reviewers.
    """
    with transaction.atomic():
        claim = _lock(actor, claim_id)
        if not workflow.can_take(actor, claim, "submit"):
            raise PermissionDenied(_("当前状态不能提交。"))
        if claim.recognition.status == Recognition.Status.REVOKED:
            raise ValidationError({"recognition": [_("该认定已撤销，不能申请保险补偿。")]})
        errors = submission_errors(claim)
        if errors:
            raise ValidationError(errors)
        before = snapshot(claim, AUDIT_FIELDS)
        resubmission = claim.state == State.RETURNED
        # The computation is as of the submission day: store it first, the computation reads the row.
        claim.submitted_at = timezone.now()
        Claim.objects.filter(pk=claim.pk).update(submitted_at=claim.submitted_at)
        computation.recompute([claim.pk])
        claim.refresh_from_db(fields=["eligible", "computed_amount", "working", "rule_set"])
        claim.submit()
        claim.return_reason = ""
        claim.save()
        record(action="claim.resubmitted" if resubmission else "claim.submitted", actor=actor,
               organisation=claim.enterprise, obj=claim, before=before, after=snapshot(claim, AUDIT_FIELDS))
        what = _what(claim)
        notify(recipients=_local_reviewers(claim), kind="claim.to_review",
               subject=_("保险补偿申请待初审：%(n)s") % what,
               body=(_("%(e)s 修改后重新提交了 %(p)s 第 %(y)s 年的保险补偿申请（%(n)s），待您初审。") if resubmission
                     else _("%(e)s 提交了 %(p)s 第 %(y)s 年的保险补偿申请（%(n)s），待您初审。")) % what,
               link=_link(claim))
    return claim


# --- the local preliminary review ----------------------------------------------------------------------------


def _reason(wf_action, reason, field="reason"):
    reason = (reason or "").strip()
    if wf_action.needs_reason and not reason:
        raise ValidationError({field: [_("请填写理由。")]})
    return reason


def local_review(*, actor, claim_id, action, reason=""):
    """The local bureau's preliminary review: `local_pass` sends the claim to the joint review (a new round),
    `local_return` back to the enterprise, `local_reject` ends it; the last two need a reason.

    Side effects: state local_review → joint_review (review_round + 1) | returned | rejected; an audit event;
    notifications to the three departments' staff (pass) or the enterprise (return, reject).
    """
    if action not in LOCAL_ACTIONS:
        raise ValidationError({"action": [_("未知的操作。")]})
    wf_action = workflow.ACTIONS[action]
    with transaction.atomic():
        claim = _lock(actor, claim_id)
        if not workflow.can_take(actor, claim, action):
            raise PermissionDenied(_("您当前不能对该申请执行此操作。"))
        reason = _reason(wf_action, reason)
        before = snapshot(claim, AUDIT_FIELDS)
        getattr(claim, LOCAL_ACTIONS[action])()
        if action == "local_pass":
            claim.review_round += 1
            claim.approved_amount, claim.adjustment_reason = None, ""
        else:
            claim.return_reason = reason
        claim.save()
        org = acting_organisation(actor, *ROLE_OF_ACTOR[workflow.LOCAL])
        record(action=f"claim.{action}", actor=actor, organisation=org, obj=claim, before=before,
               after=snapshot(claim, AUDIT_FIELDS), reason=reason)
        what = {**_what(claim), "org": org.name if org else "", "r": reason}
        if action == "local_pass":
            notify(recipients=_department_staff(*SignOff.Department.values), kind="claim.to_review",
                   subject=_("保险补偿申请待联审：%(n)s") % what,
                   body=_("%(e)s 的 %(p)s 第 %(y)s 年保险补偿申请（%(n)s）已由 %(org)s 初审通过，请签署联审意见。") % what,
                   link=_link(claim))
        elif action == "local_return":
            _tell_enterprise(claim, _("保险补偿申请被退回修改：%(n)s") % what,
                             _("%(org)s 退回了您的保险补偿申请（%(n)s），请修改后重新提交。理由：%(r)s") % what)
        else:
            _tell_enterprise(claim, _("保险补偿申请不予补偿：%(n)s") % what,
                             _("%(org)s 对您的保险补偿申请（%(n)s）作出不予补偿的决定。理由：%(r)s") % what)
    return claim


# --- the joint review ----------------------------------------------------------------------------------------


def _adjusted(claim, adjusted_amount, adjustment_reason):
    """The industry department's adjusted amount, or None when it keeps the computed one."""
    if adjusted_amount in (None, ""):
        return None
    try:
        amount = Decimal(str(adjusted_amount).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError({"adjusted_amount": [_("请输入金额（元）。")]}) from None
    if not amount.is_finite():
        raise ValidationError({"adjusted_amount": [_("请输入金额（元）。")]})
    if amount == claim.computed_amount:
        return None
    # The range first: quantize raises InvalidOperation on more digits than the context's precision (1e30).
    if amount <= 0 or amount > claim.computed_amount:
        raise ValidationError({"adjusted_amount": [
            _("核定金额须大于零且不超过测算金额 %(a)s 元。") % {"a": claim.computed_amount}]})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"adjusted_amount": [_("金额最多保留两位小数。")]})
    if not (adjustment_reason or "").strip():
        raise ValidationError({"adjustment_reason": [_("核定金额与测算金额不同，请填写调整理由。")]})
    return amount


def sign_off(*, actor, claim_id, action, opinion="", adjusted_amount=None, adjustment_reason=""):
    """One department's decision in the current joint-review round: `<department>_approve|return|reject`
    (department: industry, finance, regulator; return and reject need an opinion). The industry department's
    approval may carry an adjusted amount (0 < amount ≤ computed) with its reason. A return or reject ends the
    round; the third approval of the round makes the claim approved with its amount frozen.

    Each sign-off holds the claim's row lock, so simultaneous sign-offs of different departments are serialised
    and the last sees the others; the unique (claim, round, department) constraint keeps one per department.

    Side effects: a SignOff; on return/reject state → returned | rejected with the reason; on the third approval
    state → approved, approved_amount, approved_at; an audit event; notifications to the enterprise (return,
    reject, approval) and to province industry staff (approved: to list it for payout).
    """
    wf_action = workflow.ACTIONS.get(action)
    if wf_action is None or not wf_action.department:
        raise ValidationError({"action": [_("未知的操作。")]})
    department = wf_action.department
    with transaction.atomic():
        claim = _lock(actor, claim_id)
        if not workflow.can_take(actor, claim, action):
            if claim.state == State.JOINT_REVIEW and workflow.acts_as(actor, claim, wf_action.role):
                raise ValidationError({"action": [_("本部门已在本轮联审中签署意见。")]})
            raise PermissionDenied(_("您当前不能对该申请执行此操作。"))
        opinion = _reason(wf_action, opinion, field="opinion")
        adjusted = None
        if wf_action.decision == SignOff.Decision.APPROVE:
            if claim.eligible is not True or claim.computed_amount is None:
                raise ValidationError({"action": [_("测算结果为不符合补偿条件，只能退回修改或不予补偿。")]})
            if department == SignOff.Department.INDUSTRY:
                adjusted = _adjusted(claim, adjusted_amount, adjustment_reason)
            elif adjusted_amount not in (None, ""):
                raise ValidationError({"adjusted_amount": [_("核定金额由经信部门在联审意见中调整。")]})
        before = snapshot(claim, AUDIT_FIELDS)
        try:
            with transaction.atomic():
                signoff = SignOff.objects.create(claim=claim, review_round=claim.review_round, department=department,
                                                 decision=wf_action.decision, opinion=opinion, signed_by=actor)
        except IntegrityError:
            raise ValidationError({"action": [_("本部门已在本轮联审中签署意见。")]}) from None
        claim._signed_departments = None
        approvals = set(SignOff.objects.filter(claim=claim, review_round=claim.review_round,
                                               decision=SignOff.Decision.APPROVE).values_list("department", flat=True))
        if department == SignOff.Department.INDUSTRY and wf_action.decision == SignOff.Decision.APPROVE:
            # Held on the claim until the round completes; the third approval freezes it.
            claim.approved_amount = adjusted
            claim.adjustment_reason = adjustment_reason.strip() if adjusted is not None else ""
        if wf_action.decision in (SignOff.Decision.RETURN, SignOff.Decision.REJECT):
            if wf_action.decision == SignOff.Decision.RETURN:
                claim.return_for_changes()
            else:
                claim.reject()
            claim.return_reason = opinion
            # The round ends: an adjusted amount held from the industry department's approval lapses with it.
            claim.approved_amount, claim.adjustment_reason = None, ""
        elif approvals == set(SignOff.Department.values):
            claim.approve()
            if not claim.adjustment_reason:
                claim.approved_amount = claim.computed_amount
            claim.approved_at = timezone.now()
        claim.save()
        org = acting_organisation(actor, *ROLE_OF_ACTOR[wf_action.role])
        record(action=f"claim.{action}", actor=actor, organisation=org, obj=claim, before=before,
               after={**snapshot(claim, AUDIT_FIELDS), "signoff": signoff.pk, "department": department,
                      "decision": wf_action.decision}, reason=opinion)
        what = {**_what(claim), "org": org.name if org else signoff.get_department_display(), "r": opinion,
                "a": claim.approved_amount}
        if claim.state == State.RETURNED:
            _tell_enterprise(claim, _("保险补偿申请被退回修改：%(n)s") % what,
                             _("%(org)s 在部门联审中退回了您的保险补偿申请（%(n)s），请修改后重新提交。理由：%(r)s") % what)
        elif claim.state == State.REJECTED:
            _tell_enterprise(claim, _("保险补偿申请不予补偿：%(n)s") % what,
                             _("%(org)s 在部门联审中对您的保险补偿申请（%(n)s）作出不予补偿的决定。理由：%(r)s") % what)
        elif claim.state == State.APPROVED:
            _tell_enterprise(claim, _("保险补偿申请审核通过：%(n)s") % what,
                             _("您的保险补偿申请（%(n)s）已通过部门联审，核定补偿金额 %(a)s 元。") % what)
            notify(recipients=_department_staff(SignOff.Department.INDUSTRY), kind="claim.to_review",
                   subject=_("保险补偿申请待列入拨付：%(n)s") % what,
                   body=_("%(e)s 的保险补偿申请（%(n)s）已通过部门联审，核定金额 %(a)s 元，请列入拨付。") % what,
                   link=_link(claim))
    return claim


def make_payable(*, actor, claim_id):
    """Province industry staff list an approved claim for payout (the payout itself: payouts/). The amount is
    the frozen approved amount.

    Side effects: state approved → payable; an audit event; claim_payable sent (payouts proposes the payout);
    a notification to the enterprise.
    """
    with transaction.atomic():
        claim = _lock(actor, claim_id)
        if not workflow.can_take(actor, claim, "make_payable"):
            raise PermissionDenied(_("当前状态不能列入拨付。"))
        before = snapshot(claim, AUDIT_FIELDS)
        claim.make_payable()
        claim.save()
        org = acting_organisation(actor, R.PROVINCE_STAFF)
        record(action="claim.make_payable", actor=actor, organisation=org, obj=claim, before=before,
               after=snapshot(claim, AUDIT_FIELDS))
        claim_payable.send(sender=Claim, claim=claim, actor=actor)
        what = {**_what(claim), "a": claim.approved_amount}
        _tell_enterprise(claim, _("保险补偿已列入拨付：%(n)s") % what,
                         _("您的保险补偿申请（%(n)s）核定金额 %(a)s 元，已列入拨付。") % what)
    return claim
