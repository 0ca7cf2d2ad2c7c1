"""The navigation menu per role; later features add their entries here. An entry is a link ({label, url}) or
a group ({label, children: [links]}); a group with one link is shown as that link."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Membership
from .roles import ROLE_EXPERT, roles_of

R = Membership.Role
STAFF = {R.PROVINCE_STAFF, R.CITY_STAFF, R.COUNTY_STAFF, R.FINANCE_STAFF, R.REGULATOR_STAFF}


def _link(label, name):
    return {"label": label, "url": reverse(name)}


def _public():
    return [
        _link(_("公示公告"), "notice_public_list"),
        _link(_("异议查询"), "objection_status"),
        _link(_("推广应用指导目录"), "catalogue"),
        _link(_("证书查验"), "verify"),
        _link(_("单一来源公示"), "public_notice_list"),
    ]


def _group(label, children):
    children = [c for c in children if c]
    if not children:
        return None
    if len(children) == 1:
        return children[0]
    return {"label": label, "children": children}


def _insurance(codes, province, enterprise):
    """保险补偿: rules and claims for province industry staff, claims and policies for the enterprise, claims for
    the local bureaus and the province's finance and regulator staff, policies for an insurer."""
    children = []
    if province:
        children.append(_link(_("补偿规则"), "rule_set_list"))
    if codes & {R.PROVINCE_STAFF, R.CITY_STAFF, R.COUNTY_STAFF, R.FINANCE_STAFF, R.REGULATOR_STAFF, R.ENTERPRISE}:
        children.append(_link(_("保险补偿") if not (province or enterprise) else _("补偿申请"), "claim_list"))
    if enterprise or R.INSURER in codes:
        children.append(_link(_("保单"), "policy_list"))
    if len(children) == 1 and children[0]["url"] == reverse("claim_list"):
        return children[0]
    return _group(_("保险补偿"), children)


def _procurement(codes, province, *, province_level=False, buyer_admin=False):
    """政府首购: a buyer's own projects (and, for an admin of a buyer organisation, its users); the purchases for
    the bureaus and the supplier enterprises; buyer organisations for province industry staff; the statistics
    for every province-level department (procurement.statistics.can_view_statistics). Inside the group the list
    is 首购项目, so that no entry repeats the group's name; alone it is 政府首购 (首购项目 for a buyer)."""
    children = []
    if R.BUYER in codes or province or codes & (STAFF | {R.ENTERPRISE}):
        children.append(_link(_("首购项目"), "purchase_list"))
    if province:
        children.append(_link(_("采购人管理"), "buyer_list"))
    elif buyer_admin:
        children.append(_link(_("本单位用户"), "buyer_list"))
    if province_level:
        children.append(_link(_("首购统计"), "purchase_statistics"))
    if len(children) == 1 and R.BUYER not in codes and not province:
        return _link(_("政府首购"), "purchase_list") if children[0]["url"] == reverse("purchase_list") else children[0]
    return _group(_("政府首购"), children)


def _has_recoveries(user):
    """An enterprise reaches 资金追回 once money paid to it is being (or was) clawed back."""
    from payouts.queries import recoveries_visible_to

    return recoveries_visible_to(user).exists()


def _payouts(user, codes, enterprise):
    """资金拨付: the payouts for the bureaus (province industry, finance and regulator staff, city and county
    bureaus) with the recoveries; 我的拨付 for an enterprise; the reward rules for province industry staff; the
    budgets for province industry and finance staff; the statistics for whom payouts.dashboard.can_view_dashboard
    allows."""
    from payouts.dashboard import can_view_dashboard
    from payouts.workflow import is_province_finance, is_province_industry

    staff = bool(codes & STAFF)
    industry, finance = is_province_industry(user), is_province_finance(user)
    children = []
    if staff:
        children.append(_link(_("拨付管理"), "payout_list"))
    elif enterprise:
        children.append(_link(_("我的拨付"), "payout_list"))
    if industry:
        children.append(_link(_("奖励规则"), "reward_rule_list"))
    if industry or finance:
        children.append(_link(_("年度预算"), "budget_list"))
    if staff or (enterprise and _has_recoveries(user)):
        children.append(_link(_("资金追回"), "recovery_list"))
    if can_view_dashboard(user):
        children.append(_link(_("拨付统计"), "payout_dashboard"))
    return _group(_("资金拨付"), children)


def menu_for(user):
    if user is None:
        return [*_public(), _link(_("登录"), "login"), _link(_("企业注册"), "register")]
    codes = roles_of(user).codes
    province = R.PROVINCE_STAFF in codes
    enterprise = R.ENTERPRISE in codes
    items = [_link(_("工作台"), "dashboard"), _link(_("消息"), "inbox")]
    items.append(_group(_("申报与评审"), [
        _link(_("认定批次"), "batch_list"),
        _link(_("申报管理"), "application_list")
        if codes & {R.ENTERPRISE, R.COUNTY_STAFF, R.CITY_STAFF, R.PROVINCE_STAFF} else None,
        _link(_("专家评审"), "review_round_list") if province else None,
    ]))
    if ROLE_EXPERT in codes:
        items.append(_link(_("我的评审"), "review_my"))
    items.append(_group(_("公示与认定"), [
        _link(_("公示管理"), "notice_manage_list") if province else None,
        _link(_("异议处理"), "objection_manage_list") if province else None,
        _link(_("认定管理"), "recognition_list")
        if codes & {R.PROVINCE_STAFF, R.CITY_STAFF, R.COUNTY_STAFF} else None,
        _link(_("认定汇总"), "recognition_summary") if province else None,
        _link(_("我的认定"), "recognition_mine") if enterprise else None,
    ]))
    items.append(_insurance(codes, province, enterprise))
    roles = roles_of(user)
    items.append(
        _procurement(
            codes,
            province,
            province_level=roles.is_province or user.is_superuser,
            buyer_admin=any(m.role == R.BUYER and m.is_admin for m in roles.memberships),
        )
    )
    items.append(_payouts(user, codes, enterprise))
    items.append(_group(_("单位与专家"), [
        _link(_("注册审核"), "org_review_list") if codes & {R.PROVINCE_STAFF, R.CITY_STAFF, R.COUNTY_STAFF} else None,
        _link(_("单位名录"), "org_list") if codes & STAFF else None,
        _link(_("专家库"), "expert_list") if province else None,
        _link(_("本单位"), "my_organisation")
        if codes & {R.ENTERPRISE, R.INSURER, R.BUYER} or ROLE_EXPERT in codes else None,
    ]))
    items.append({"label": _("公开信息"), "children": _public()})
    items.append(_link(_("通知设置"), "notification_preferences"))
    return [i for i in items if i]
