"""Shared by the generator and the runner: the benchmark database and Django set-up.

The benchmark never touches development data: it works in its own PostgreSQL database (`bench` by default,
`bench_tiny` for --tiny, or BENCH_DATABASE_URL), refuses any database whose name does not start with
"bench", creates it if missing and migrates it with Django's `migrate` command.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench"
TINY_URL = "postgres://postgres@127.0.0.1:5432/bench_tiny"


def database_url(tiny=False, explicit=None):
    return explicit or os.environ.get("BENCH_DATABASE_URL") or (TINY_URL if tiny else DEFAULT_URL)


def submissions_url(url):
    """The concurrent-submission benchmark's own database: the list benchmark's name + "_submit"."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + (parts.path.strip("/") or "bench") + "_submit"))


def database_name(url):
    import psycopg.conninfo

    return psycopg.conninfo.conninfo_to_dict(url).get("dbname", "")


def check_bench_database(url):
    name = database_name(url)
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to use database {name!r}: benchmark databases must be named bench…")
    return name


def ensure_database(url):
    """Create the benchmark database if it does not exist (connecting to the `postgres` maintenance DB)."""
    import psycopg
    from psycopg import sql

    name = check_bench_database(url)
    with psycopg.connect(url, dbname="postgres", autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    return name


def setup_django(url):
    """Django on the benchmark database, with production-like switches: DEBUG off, persistent connections."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("CONN_MAX_AGE", "600")
    # The measured endpoints use neither the cache nor the broker: keep the benchmark independent of Redis.
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DJANGO_ENV", None)
    import warnings

    import django

    # WhiteNoise warns when collectstatic has not been run; the benchmark serves no static files.
    warnings.filterwarnings("ignore", message=r"No directory at: .*staticfiles")
    django.setup()


def migrate():
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
