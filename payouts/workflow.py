"""The payout workflow as a declared table: for each action, the states it leaves from and who may take it. The
services enforce it; pages and the API render only `available_actions(payout, user)`.

    state               action            who
    proposed            approve_industry  province industry staff (checks the budget of the year and kind)
    proposed            reject            province industry staff (reason)
    industry_approved   approve_finance   province finance staff (checks the budget again)
    industry_approved   reject            province finance staff (reason)
    finance_approved    allocate          province finance staff (allocation date, document; due = +30 days)
    allocated           disburse          the payout city's bureau (industry or finance staff of that city, or
                                          of its county): disbursement date and bank reference
    proposed … allocated: bank_account    the enterprise fills its receiving account (for the bank list)
    recoveries          repay             province finance staff, or the city's finance staff (record a
                                          repayment: date, amount, reference)
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organisation
from accounts.roles import roles_of

from .models import Payout

S = Payout.State
R = Membership.Role

INDUSTRY = "province_industry"
FINANCE = "province_finance"
LOCAL = "local_bureau"
ENTERPRISE = "enterprise"


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    sources: tuple
    role: str
    style: str = "primary"
    needs_reason: bool = False


ACTIONS = {
    a.code: a
    for a in [
        Action("approve_industry", _("经信审核同意"), (S.PROPOSED,), INDUSTRY),
        Action("reject_industry", _("不予拨付"), (S.PROPOSED,), INDUSTRY, style="outline-danger", needs_reason=True),
        Action("approve_finance", _("财政审核同意"), (S.INDUSTRY_APPROVED,), FINANCE),
        Action("reject_finance", _("不予拨付"), (S.INDUSTRY_APPROVED,), FINANCE, style="outline-danger",
               needs_reason=True),
        Action("allocate", _("下达资金"), (S.FINANCE_APPROVED,), FINANCE),
        Action("disburse", _("登记拨付企业"), (S.ALLOCATED,), LOCAL),
        Action("bank_account", _("填写收款账户"), (S.PROPOSED, S.INDUSTRY_APPROVED, S.FINANCE_APPROVED, S.ALLOCATED),
               ENTERPRISE, style="outline-secondary"),
    ]
}


def _province(roles, role, department):
    return any(
        m.role == role and m.organisation.kind == Organisation.Kind.BUREAU
        and m.organisation.bureau_level == Organisation.BureauLevel.PROVINCE
        and m.organisation.department == department
        for m in roles.memberships
    )


def is_province_industry(user):
    return getattr(user, "is_authenticated", False) and _province(
        roles_of(user), R.PROVINCE_STAFF, Organisation.Department.INDUSTRY)


def is_province_finance(user):
    return getattr(user, "is_authenticated", False) and _province(
        roles_of(user), R.FINANCE_STAFF, Organisation.Department.FINANCE)


def is_local_bureau_of(user, payout):
    """A city-level bureau (industry or finance) of the payout's city, or a county bureau of its county."""
    if not getattr(user, "is_authenticated", False):
        return False
    for m in roles_of(user).memberships:
        org = m.organisation
        if org.kind != Organisation.Kind.BUREAU or m.role not in (R.CITY_STAFF, R.COUNTY_STAFF, R.FINANCE_STAFF):
            continue
        if org.bureau_level == Organisation.BureauLevel.CITY and org.region_id == payout.city_id:
            return True
        if org.bureau_level == Organisation.BureauLevel.COUNTY and org.region_id == payout.region_id:
            return True
    return False


def acts_as(user, payout, role):
    if role == INDUSTRY:
        return is_province_industry(user)
    if role == FINANCE:
        return is_province_finance(user)
    if role == LOCAL:
        return is_local_bureau_of(user, payout)
    if role == ENTERPRISE:
        return getattr(user, "is_authenticated", False) and any(
            o.pk == payout.enterprise_id for o in roles_of(user).organisations(R.ENTERPRISE))
    return False


def can_take(user, payout, code):
    action = ACTIONS.get(code)
    return action is not None and payout.state in action.sources and acts_as(user, payout, action.role)


def available_actions(payout, user):
    """The actions this user may take now, in table order (buttons in pages, `actions` in the API)."""
    return [a for a in ACTIONS.values() if can_take(user, payout, a.code)]
