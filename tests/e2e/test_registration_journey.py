"""An enterprise registers, verifies its e-mail, the Hangzhou city bureau approves it, and the enterprise
sees the approval on its dashboard and in its inbox."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import Organisation, User
from tests.e2e.navigation import nav

from .helpers import login, logout, path_in_last_mail_to, valid_uscc

pytestmark = pytest.mark.e2e

COMPANY = "杭州云帆智能装备有限公司"
EMAIL = "yunfan@example.com"
USERNAME = "yunfan"
PASSWORD = "Yunfan-2026-secret"


def test_enterprise_registration_verification_approval_and_notification(page, demo_data):
    uscc = valid_uscc(987654)

    # 1. An anonymous visitor registers the enterprise from the landing page.
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="企业注册").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("企业注册")
    page.get_by_label("企业名称").fill(COMPANY)
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("所在县（市、区）").select_option(label="杭州市 滨江区")
    page.get_by_label("联系人").fill("陈工")
    page.get_by_label("联系电话").fill("0571-86000000")
    page.get_by_label("邮箱").fill(EMAIL)
    page.get_by_label("登录用户名").fill(USERNAME)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="提交注册").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("注册已提交")
    expect(page.get_by_role("main")).to_contain_text(EMAIL)
    org = Organisation.objects.get(uscc=uscc)
    assert org.status == Organisation.Status.UNVERIFIED

    # 2. The verification link comes from the e-mail and is opened in the browser.
    verify_path = path_in_last_mail_to(EMAIL, r"/verify-email/[^/\s]+/")
    page.goto(verify_path)
    expect(page.get_by_test_id("verify-ok")).to_have_text("邮箱验证成功。")
    assert Organisation.objects.get(pk=org.pk).status == Organisation.Status.PENDING

    # 3. Hangzhou's city bureau finds it under 注册审核 and approves it.
    login(page, "hz_staff", settings.DEMO_PASSWORD)
    nav(page, "注册审核")
    expect(page.get_by_role("heading", level=1)).to_have_text("注册审核")
    row = page.get_by_test_id("review-table").get_by_role("row").filter(has_text=COMPANY)
    expect(row).to_contain_text(uscc)
    expect(row).to_contain_text("杭州市 滨江区")
    row.get_by_role("link", name="审核").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(COMPANY)
    expect(page.get_by_role("main")).to_contain_text("待审核")
    review = page.get_by_test_id("review-form")
    review.get_by_label("通过").check()
    review.get_by_label("审核意见").fill("信息与营业执照一致。")
    review.get_by_role("button", name="提交审核结论").click()

    page.wait_for_url("**/organisations/review/")
    expect(page.get_by_role("alert").filter(has_text="已审核通过")).to_contain_text(COMPANY)
    expect(page.get_by_test_id("review-table").get_by_role("row").filter(has_text=COMPANY)).to_have_count(0)
    logout(page)

    org = Organisation.objects.get(pk=org.pk)  # FSMField(protected=True) refuses refresh_from_db()
    assert org.status == Organisation.Status.APPROVED
    assert org.reviewed_by == User.objects.get(username="hz_staff")

    # 4. The enterprise logs in, sees its organisation approved and the notification in its inbox.
    login(page, USERNAME, PASSWORD)
    mine = page.get_by_test_id("my-organisations")
    expect(mine).to_contain_text(COMPANY)
    expect(mine.locator('[data-status="approved"]')).to_have_text("已审核通过")
    expect(page.get_by_test_id("unread-badge")).to_be_visible()

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="消息").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("消息")
    approved = page.get_by_test_id("inbox").locator("li").filter(has_text="单位注册已审核通过")
    expect(approved).to_have_attribute("data-unread", "1")
    expect(approved).to_contain_text(f"{COMPANY} 已通过审核")

    # Opening it marks it read and follows its link to the dashboard.
    approved.get_by_role("link").click()
    page.wait_for_url("**/dashboard/")
    page.goto("/inbox/?unread=1")
    expect(page.get_by_test_id("inbox")).not_to_contain_text("单位注册已审核通过")
