"""Every asset is served by the application: no template or stylesheet loads anything from another host."""

import re
from pathlib import Path

from django.conf import settings

EXTERNAL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?//""", re.IGNORECASE)


def _files(*patterns):
    root = Path(settings.BASE_DIR)
    for pattern in patterns:
        yield from (p for p in root.glob(pattern) if "vendor" not in p.parts)


def test_templates_and_stylesheets_load_nothing_from_other_hosts():
    offenders = [str(p) for p in _files("templates/**/*.html", "static/**/*.css", "static/**/*.js")
                 if EXTERNAL.search(p.read_text(encoding="utf-8"))]

    assert offenders == []


def test_vendored_assets_are_present():
    vendor = Path(settings.BASE_DIR) / "static" / "vendor"
    for name in ("bootstrap/bootstrap.min.css", "bootstrap/bootstrap.bundle.min.js", "htmx/htmx.min.js"):
        assert (vendor / name).stat().st_size > 10_000, name
