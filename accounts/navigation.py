"""The navigation menu per role; later features add their entries here."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Membership
from .roles import ROLE_EXPERT, roles_of

R = Membership.Role
STAFF = {R.PROVINCE_STAFF, R.CITY_STAFF, R.COUNTY_STAFF, R.FINANCE_STAFF, R.REGULATOR_STAFF}


def menu_for(user):
    if user is None:
        return [
            {"label": _("登录"), "url": reverse("login")},
            {"label": _("企业注册"), "url": reverse("register")},
        ]
    codes = roles_of(user).codes
    items = [
        {"label": _("工作台"), "url": reverse("dashboard")},
        {"label": _("消息"), "url": reverse("inbox")},
        {"label": _("认定批次"), "url": reverse("batch_list")},
    ]
    if codes & {R.ENTERPRISE, R.COUNTY_STAFF, R.CITY_STAFF, R.PROVINCE_STAFF}:
        items.append({"label": _("申报管理"), "url": reverse("application_list")})
    if codes & {R.PROVINCE_STAFF, R.CITY_STAFF, R.COUNTY_STAFF}:
        items.append({"label": _("注册审核"), "url": reverse("org_review_list")})
    if codes & STAFF:
        items.append({"label": _("单位名录"), "url": reverse("org_list")})
    if R.PROVINCE_STAFF in codes:
        items.append({"label": _("专家库"), "url": reverse("expert_list")})
        items.append({"label": _("专家评审"), "url": reverse("review_round_list")})
    if ROLE_EXPERT in codes:
        items.append({"label": _("我的评审"), "url": reverse("review_my")})
    if codes & {R.ENTERPRISE, R.INSURER, R.BUYER} or ROLE_EXPERT in codes:
        items.append({"label": _("本单位"), "url": reverse("my_organisation")})
    items.append({"label": _("通知设置"), "url": reverse("notification_preferences")})
    return items
