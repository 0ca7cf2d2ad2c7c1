"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

Browsers cannot be downloaded here, so pytest-playwright's launch arguments are overridden to start
/usr/bin/chromium. Each test gets a fresh browser context; on failure a full-page screenshot is kept
under test-results/ (pytest-playwright empties that folder at the start of a session).
"""

import io
import os
import re
from pathlib import Path

import pytest

from tests.factories import ensure_regions

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests themselves
# (arranging data, reading the mail outbox) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    # A laptop screen, a Chinese browser, and Beijing time, as the bureau's users have.
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1366, "height": 768},
    }


@pytest.fixture
def page(browser, browser_context_args, request):
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
        try:
            page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
        except Exception as exc:  # a crashed page must not hide the test's own failure
            print(f"screenshot failed: {exc}")
    context.close()


@pytest.fixture(autouse=True)
def _e2e_environment(settings, live_server, transactional_db):
    """Every e2e test runs against the live server with the regions of the data migration present.

    - e-mail goes to django.core.mail.outbox (the live server runs in this process) and Celery tasks run
      eagerly, so the verification mail exists as soon as the page answers;
    - a fast hasher: the demo command creates some fifty users, and Argon2 takes most of a second each here.
    """
    from config.celery import app

    ensure_regions()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was_eager


@pytest.fixture
def demo_data(_e2e_environment):
    """The data of `manage.py demo` (logins of every role, one registration waiting in Hangzhou)."""
    from django.core.management import call_command

    call_command("demo", stdout=io.StringIO())
