import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_language_switch_to_english_and_back(page):
    page.goto("/login/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("登录")

    page.get_by_role("button", name="English", exact=True).click()
    expect(heading).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Enterprise registration").first).to_be_visible()
    # The choice is remembered on the next page.
    page.goto("/register/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enterprise registration")
    expect(page.get_by_label("Unified social credit code")).to_be_visible()

    page.get_by_role("button", name="简体中文", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("企业注册")
    page.goto("/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
