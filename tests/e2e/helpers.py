"""Steps shared by the browser tests."""

import re

from django.core import mail
from stdnum.cn import uscc as stdnum_uscc


def login(page, username, password):
    """Log in through the real login page and wait for the dashboard."""
    page.goto("/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url("**/dashboard/")


def logout(page):
    page.get_by_role("button", name="退出登录", exact=True).click()
    page.wait_for_url("**/login/")


def valid_uscc(serial):
    """A USCC for an enterprise in 杭州 滨江 with a correct GB 32100 check digit."""
    body = f"91330106{serial:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def wrong_check_digit(code):
    """The same code with a different (so wrong) check digit."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:-1] + next(c for c in alphabet if c != code[-1])


def path_in_last_mail_to(address, pattern):
    """The first URL path matching pattern in the newest e-mail sent to address."""
    for message in reversed(mail.outbox):
        if address in message.to:
            match = re.search(pattern, message.body)
            if match:
                return match.group(0)
    raise AssertionError(
        f"no e-mail to {address} with a link matching {pattern!r}; outbox: {[(m.to, m.subject) for m in mail.outbox]}"
    )
