"""Every login of `manage.py demo` reaches its dashboard through the real pages and sees its own data."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import ExpertProfile, Membership, Organisation, User
from notifications.models import Notification

from .helpers import login, logout

pytestmark = pytest.mark.e2e

# login → the role named in the dashboard heading
DEMO_LOGINS = {
    "admin": "系统管理员",
    "prov_staff": "省经信厅",
    "prov_finance": "财政部门",
    "regulator": "金融监管部门",
    "hz_staff": "设区市经信局",
    "binjiang_staff": "县（市、区）经信局",
    "caihong": "企业用户",
    "expert01": "评审专家",
    "insurer": "保险机构",
    "buyer": "采购人",
}
REVIEWERS = {"prov_staff", "hz_staff"}  # approve enterprise registrations in Hangzhou
STAFF = {"admin", "prov_staff", "prov_finance", "regulator", "hz_staff", "binjiang_staff"}


@pytest.mark.parametrize("username", list(DEMO_LOGINS))
def test_demo_login_sees_role_dashboard_with_real_data(page, demo_data, username):
    user = User.objects.get(username=username)
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    latest = Notification.objects.filter(recipient=user).order_by("-created_at", "-id").first()
    orgs = list(Organisation.objects.filter(memberships__user=user))

    login(page, username, settings.DEMO_PASSWORD)

    main = page.locator("main")
    expect(page.get_by_test_id("role-heading")).to_contain_text(DEMO_LOGINS[username])
    expect(page.get_by_test_id("current-user")).to_contain_text(str(user))
    # The unread badge and the latest message come from the user's inbox.
    assert unread > 0, "the demo command sends every login a welcome message"
    expect(page.get_by_test_id("unread-badge")).to_have_text(str(unread))
    expect(page.get_by_test_id("recent-notifications")).to_contain_text(latest.subject)

    for org in orgs:
        expect(page.get_by_test_id("my-organisations")).to_contain_text(org.name)
    if username == "caihong":
        expect(page.get_by_test_id("my-organisations")).to_contain_text("彩虹无人机科技有限公司")
        expect(page.get_by_test_id("my-organisations")).to_contain_text("已审核通过")
    if username == "expert01":
        profile = ExpertProfile.objects.select_related("employer").get(user=user)
        expect(page.get_by_test_id("expert-profile")).to_contain_text(profile.title)
        expect(page.get_by_test_id("expert-profile")).to_contain_text(profile.employer.name)
    if username in STAFF:
        counts = page.get_by_test_id("org-counts")
        expect(counts).to_be_visible()
        if username in {"admin", "prov_staff", "prov_finance", "regulator"}:  # the whole province
            enterprises = Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE).count()
            expect(counts.locator(".app-stat").first).to_have_text(str(enterprises))
    if username in REVIEWERS:
        pending = Organisation.objects.get(status=Organisation.Status.PENDING, region__code__startswith="3301")
        expect(page.get_by_test_id("review-queue")).to_contain_text(pending.name)
    if username == "binjiang_staff":
        expect(main).to_contain_text("企业注册由所在设区市经信局审核")

    # The menu matches the role.
    nav = page.get_by_role("navigation", name="主导航")
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    review_link = nav.get_by_role("link", name="注册审核", include_hidden=True)
    if roles & {"province_staff", "city_staff", "county_staff"}:
        expect(review_link).to_have_count(1)
    else:
        expect(review_link).to_have_count(0)

    logout(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    page.goto("/dashboard/")
    page.wait_for_url("**/login/?next=/dashboard/")
