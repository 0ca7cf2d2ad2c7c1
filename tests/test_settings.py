"""Settings profiles: the production profile passes `check --deploy`; the defaults are the documented ones."""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def _clean_env(**extra):
    """Only what a process needs to start: no DATABASE_URL, REDIS_URL, DJANGO_ENV … leaking from this shell."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def _run(args, env):
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300)


def _random_secret_key():
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(50))


def test_settings_production_profile_passes_check_deploy(tmp_path):
    env = _clean_env(
        DJANGO_ENV="production",
        SECRET_KEY=_random_secret_key(),
        ALLOWED_HOSTS="example.gov.cn",
        SITE_URL="https://example.gov.cn",
        VAR_DIR=str(tmp_path / "var"),
    )

    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output
    assert "ERRORS" not in output


def test_settings_production_profile_requires_secret_key(tmp_path):
    env = _clean_env(DJANGO_ENV="production", ALLOWED_HOSTS="example.gov.cn", VAR_DIR=str(tmp_path / "var"))

    result = _run(["manage.py", "check"], env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


_DUMP = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({"engine": db["ENGINE"], "name": str(db["NAME"]), "base_dir": str(settings.BASE_DIR),
                  "debug": settings.DEBUG, "secure_ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
                  "session_cookie_secure": settings.SESSION_COOKIE_SECURE, "hsts": settings.SECURE_HSTS_SECONDS,
                  "email_backend": settings.EMAIL_BACKEND, "broker": settings.CELERY_BROKER_URL}))
"""


def _dump(env):
    result = _run(["-c", _DUMP], {**env, "DJANGO_SETTINGS_MODULE": "config.settings"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_default_database_is_sqlite_under_var_without_database_url():
    dumped = _dump(_clean_env())

    assert dumped["engine"] == "django.db.backends.sqlite3"
    assert Path(dumped["name"]) == Path(dumped["base_dir"]) / "var" / "db.sqlite3"
    assert dumped["debug"] is True
    assert dumped["broker"] == "filesystem://"
    assert dumped["email_backend"] == "django.core.mail.backends.filebased.EmailBackend"


def test_settings_database_url_selects_postgresql():
    dumped = _dump(_clean_env(DATABASE_URL="postgres://app:pw@db.internal:5432/firstset"))

    assert dumped["engine"] == "django.db.backends.postgresql"
    assert dumped["name"] == "firstset"


def test_settings_production_profile_is_secure(tmp_path):
    dumped = _dump(
        _clean_env(
            DJANGO_ENV="production",
            SECRET_KEY=_random_secret_key(),
            ALLOWED_HOSTS="example.gov.cn",
            VAR_DIR=str(tmp_path / "var"),
        )
    )

    assert dumped["debug"] is False
    assert dumped["secure_ssl_redirect"] is True
    assert dumped["session_cookie_secure"] is True
    assert dumped["hsts"] >= 31536000
    assert dumped["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"


def test_settings_locale_and_time_defaults():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)
    assert "zh-hans" in dict(settings.LANGUAGES)
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_settings_security_defaults():
    from config import settings as configured  # the module, not the values tests may override

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert configured.AUTH_USER_MODEL == "accounts.User"
    assert configured.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert configured.AXES_FAILURE_LIMIT >= 3
    assert configured.X_FRAME_OPTIONS == "DENY"
    assert "audit.middleware.RequestContextMiddleware" in configured.MIDDLEWARE
    assert configured.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == ["rest_framework.permissions.IsAuthenticated"]
