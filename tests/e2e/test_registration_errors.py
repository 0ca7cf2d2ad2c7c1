import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Organisation, User

from .helpers import valid_uscc, wrong_check_digit

pytestmark = pytest.mark.e2e


def test_register_wrong_uscc_check_digit_shows_error_next_to_field_and_creates_nothing(page):
    orgs_before, users_before = Organisation.objects.count(), User.objects.count()
    page.goto("/register/")
    page.get_by_label("企业名称").fill("杭州错码测试科技有限公司")
    page.get_by_label("统一社会信用代码").fill(wrong_check_digit(valid_uscc(424242)))
    page.get_by_label("所在县（市、区）").select_option(label="杭州市 滨江区")
    page.get_by_label("联系人").fill("王工")
    page.get_by_label("联系电话").fill("13900000000")
    page.get_by_label("邮箱").fill("wrongcode@example.com")
    page.get_by_label("登录用户名").fill("wrongcode")
    page.get_by_label("密码", exact=True).fill("Zhice-2026-secret")
    page.get_by_label("确认密码").fill("Zhice-2026-secret")
    page.get_by_role("button", name="提交注册").click()

    # Still the form, with the error right under the code field, naming the field.
    expect(page.get_by_role("heading", level=1)).to_have_text("企业注册")
    uscc_field = page.locator('.app-field[data-field="uscc"]')
    expect(uscc_field.locator(".app-field-error")).to_have_text(
        "统一社会信用代码：统一社会信用代码校验位错误，请核对后重新输入。"
    )
    expect(page.get_by_label("统一社会信用代码")).to_have_attribute("aria-invalid", "true")
    # Other fields keep what was typed and show no error.
    expect(page.get_by_label("企业名称")).to_have_value("杭州错码测试科技有限公司")
    expect(page.locator(".app-field-error")).to_have_count(1)

    assert Organisation.objects.count() == orgs_before
    assert User.objects.count() == users_before
    assert not User.objects.filter(username="wrongcode").exists()
    assert mail.outbox == []
