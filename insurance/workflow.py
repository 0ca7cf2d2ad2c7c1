"""The claim workflow as a declared table: for each action, the states it leaves from, who may take it, and its
labels. The services enforce it; pages and the API render only `available_actions(claim, user)`.

    state          action                                   role
    draft          submit                                   enterprise
    returned       submit (resubmit: a new local review)    enterprise
    local_review   local_pass / local_return / local_reject local bureau: the county industry bureau of the
                                                            claim's county if it has staff, else the city's
    joint_review   industry_* / finance_* / regulator_*     province industry / finance / regulator staff, each
                   (approve, return, reject)                once per round; a return or reject ends the round,
                                                            the third approval makes the claim approved
    approved       make_payable                             province industry staff
    payable, rejected: final here (the payout comes with the payouts feature)
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organisation
from accounts.roles import roles_of

from .models import Claim, SignOff

State = Claim.State
Department = SignOff.Department
Decision = SignOff.Decision
R = Membership.Role

ENTERPRISE = "enterprise"
LOCAL = "local_bureau"
INDUSTRY = "province_industry"
FINANCE = "province_finance"
REGULATOR = "province_regulator"

DEPARTMENT_ROLE = {Department.INDUSTRY: INDUSTRY, Department.FINANCE: FINANCE, Department.REGULATOR: REGULATOR}

# What the enterprise sees for each state (staff see Claim.State's labels).
APPLICANT_LABELS = {
    State.DRAFT: _("草稿（未提交）"),
    State.LOCAL_REVIEW: _("地方经信部门初审中"),
    State.JOINT_REVIEW: _("省级部门联审中"),
    State.RETURNED: _("待修改后重新提交"),
    State.APPROVED: _("审核通过，待列入拨付"),
    State.PAYABLE: _("已列入拨付"),
    State.REJECTED: _("不予补偿"),
}

EDITABLE_STATES = (State.DRAFT, State.RETURNED)


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    sources: tuple
    role: str
    needs_reason: bool = False
    style: str = "primary"
    department: str = ""  # joint-review sign-offs only
    decision: str = ""


def _signoff_actions(department, role):
    return [
        Action(f"{department}_approve", _("同意"), (State.JOINT_REVIEW,), role, department=department,
               decision=Decision.APPROVE),
        Action(f"{department}_return", _("退回修改"), (State.JOINT_REVIEW,), role, needs_reason=True,
               style="outline-warning", department=department, decision=Decision.RETURN),
        Action(f"{department}_reject", _("不予补偿"), (State.JOINT_REVIEW,), role, needs_reason=True,
               style="outline-danger", department=department, decision=Decision.REJECT),
    ]


ACTIONS = {
    a.code: a
    for a in [
        Action("submit", _("提交申请"), EDITABLE_STATES, ENTERPRISE),
        Action("local_pass", _("初审通过"), (State.LOCAL_REVIEW,), LOCAL),
        Action("local_return", _("退回修改"), (State.LOCAL_REVIEW,), LOCAL, needs_reason=True,
               style="outline-warning"),
        Action("local_reject", _("不予补偿"), (State.LOCAL_REVIEW,), LOCAL, needs_reason=True,
               style="outline-danger"),
        *_signoff_actions(Department.INDUSTRY, INDUSTRY),
        *_signoff_actions(Department.FINANCE, FINANCE),
        *_signoff_actions(Department.REGULATOR, REGULATOR),
        Action("make_payable", _("列入拨付"), (State.APPROVED,), INDUSTRY),
    ]
}


def _county_bureau_staff(region_ids):
    """Active staff of approved county industry bureaus in these counties (who does a county's local review)."""
    return Membership.objects.filter(
        role=R.COUNTY_STAFF, user__is_active=True, organisation__kind=Organisation.Kind.BUREAU,
        organisation__department=Organisation.Department.INDUSTRY, organisation__region_id__in=region_ids,
        organisation__status=Organisation.Status.APPROVED,
    )


def local_level(claim):
    """Who does the local preliminary review: 'county' when the claim's county has an approved industry bureau
    with staff, else 'city'. Cached on the instance (prefill() fills it for a whole list)."""
    cached = getattr(claim, "_local_level", None)
    if cached is None:
        has_county = _county_bureau_staff([claim.region_id]).exists()
        cached = claim._local_level = "county" if has_county else "city"
    return cached


def prefill(claims):
    """Fill the per-claim caches of local_level and signed_departments for a list of claims in two queries, so
    available_actions costs no query per row."""
    if not claims:
        return
    counties = set(_county_bureau_staff({c.region_id for c in claims})
                   .values_list("organisation__region_id", flat=True))
    signed = {}
    rows = SignOff.objects.filter(claim_id__in=[c.pk for c in claims]).values_list("claim_id", "review_round",
                                                                                   "department")
    for claim_id, review_round, department in rows:
        signed.setdefault((claim_id, review_round), set()).add(department)
    for c in claims:
        c._local_level = "county" if c.region_id in counties else "city"
        c._signed_departments = signed.get((c.pk, c.review_round), set())


def _province_member(roles, role, department):
    return any(
        m.role == role and m.organisation.kind == Organisation.Kind.BUREAU
        and m.organisation.bureau_level == Organisation.BureauLevel.PROVINCE
        and m.organisation.department == department
        for m in roles.memberships
    )


def acts_as(user, claim, role):
    """Whether the user holds `role` for this claim."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = roles_of(user)
    if role == ENTERPRISE:
        return any(o.pk == claim.enterprise_id for o in roles.organisations(R.ENTERPRISE))
    if role == LOCAL:
        if local_level(claim) == "county":
            return any(m.role == R.COUNTY_STAFF and m.organisation.region_id == claim.region_id
                       for m in roles.memberships)
        return any(m.role == R.CITY_STAFF and m.organisation.region_id == claim.city_id for m in roles.memberships)
    if role == INDUSTRY:
        return _province_member(roles, R.PROVINCE_STAFF, Organisation.Department.INDUSTRY)
    if role == FINANCE:
        return _province_member(roles, R.FINANCE_STAFF, Organisation.Department.FINANCE)
    if role == REGULATOR:
        return _province_member(roles, R.REGULATOR_STAFF, Organisation.Department.REGULATOR)
    return False


def signed_departments(claim):
    """Departments that have signed off in the claim's current round. Cached on the instance (a service that
    writes a sign-off drops the cache)."""
    cached = getattr(claim, "_signed_departments", None)
    if cached is None:
        cached = claim._signed_departments = set(
            SignOff.objects.filter(claim_id=claim.pk, review_round=claim.review_round)
            .values_list("department", flat=True)
        )
    return cached


def can_take(user, claim, action_code):
    """The declared table allows this action from the claim's state for this user's role, and for a sign-off
    the department has not signed in this round yet."""
    action = ACTIONS.get(action_code)
    if action is None or claim.state not in action.sources or not acts_as(user, claim, action.role):
        return False
    return not (action.department and action.department in signed_departments(claim))


def available_actions(claim, user):
    """The actions this user may take now, in table order (buttons in pages, `actions` in the API)."""
    return [a for a in ACTIONS.values() if can_take(user, claim, a.code)]


def can_edit(user, claim):
    """The enterprise may change the claim, its policies and documents while it is a draft or returned."""
    return claim.state in EDITABLE_STATES and acts_as(user, claim, ENTERPRISE)
