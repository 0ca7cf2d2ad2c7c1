"""Integration layer: PostgreSQL, Redis and real Celery workers.

Run with
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/pytest tests/integration

Without PostgreSQL or a reachable Redis every test here is skipped with the reason, except when CI=true:
then they fail, so that CI can never pass with the integration layer silently skipped.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


# --- prerequisites ------------------------------------------------------------------------------


def _redis_problem(url):
    if not url:
        return "REDIS_URL is not set (set REDIS_URL=redis://127.0.0.1:6379/0)"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:
        return f"Redis at {url} is unreachable ({type(exc).__name__}: {exc}); is redis-server running?"
    return None


@pytest.fixture(scope="session")
def _integration_problem():
    problems = []
    if connection.vendor != "postgresql":
        problems.append(
            f"the database is {connection.vendor}, not PostgreSQL "
            "(set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)"
        )
    redis_problem = _redis_problem(django_settings.REDIS_URL)
    if redis_problem:
        problems.append(redis_problem)
    return "; ".join(problems)


@pytest.fixture(scope="session", autouse=True)
def _require_services(_integration_problem):
    # Session scope: checked before pytest-django creates the test database.
    if _integration_problem:
        reason = f"integration tests need PostgreSQL and Redis: {_integration_problem}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — mandatory when CI=true", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _integration_settings(settings, _require_services):
    """Overrides what tests/conftest.py's autouse fixture sets (it runs first: outer conftests' autouse
    fixtures come before inner ones): here tasks go to a real broker, never eagerly.

    The test process itself sends no e-mail (locmem would catch a stray one); workers write files.
    """
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


# --- helpers ------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, interval=0.1, what="condition"):
    """Poll until predicate() is truthy; returns its value or fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def test_database_url():
    """The URL of the database pytest-django created (test_…), for processes started by a test."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


test_database_url.__test__ = False  # not a test despite its name


def stop_process(proc, timeout=10):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


class RedisServer:
    """A private, throw-away redis-server on a fixed port that a test can stop and start again."""

    def __init__(self, port, workdir):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.workdir = workdir
        self.proc = None

    def ping(self):
        import redis

        try:
            return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5).ping()
        except Exception:
            return False

    def start(self):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with open(self.workdir / f"redis-{self.port}.log", "ab") as log:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                    str(self.workdir),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        wait_for(self.ping, 10, what=f"redis-server on port {self.port}")

    def stop(self):
        stop_process(self.proc)
        wait_for(lambda: not self.ping(), 10, what=f"redis-server on port {self.port} to stop")


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed")
    server = RedisServer(free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        stop_process(server.proc)


def reset_broker_connections(app):
    """Forget pooled broker connections so the next publish connects to app.conf.broker_url afresh."""
    from kombu import pools

    if app._pool is not None:
        try:
            app._pool.force_close_all()
        except Exception:
            pass
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@contextmanager
def celery_broker(url):
    """Point this process's Celery app (publishing side) at another broker for the duration."""
    from config.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = url
    reset_broker_connections(app)
    try:
        yield app
    finally:
        app.conf.broker_url = previous
        reset_broker_connections(app)


# The test process publishes to, and its workers consume only, this queue: a development worker on the same
# Redis (queue "celery") cannot take the tests' messages, nor the tests' worker someone else's.
QUEUE = "integration-tests"


class Worker:
    """`celery -A config worker --pool=solo --concurrency=1` against the test database and a broker."""

    def __init__(self, broker_url, mail_dir, log_path):
        self.broker_url = broker_url
        self.mail_dir = mail_dir
        self.log_path = log_path
        self.proc = None

    def env(self):
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=test_database_url(),
            REDIS_URL=self.broker_url,
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.mail_dir),
            CELERY_TASK_ALWAYS_EAGER="false",
            CONN_MAX_AGE="0",
            PYTHONUNBUFFERED="1",
        )
        env.pop("DJANGO_ENV", None)
        return env

    def start(self, timeout=30):
        with open(self.log_path, "ab") as log:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "-l",
                    "info",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-Q",
                    QUEUE,
                    "-n",
                    f"it-{os.getpid()}@%h",
                ],
                cwd=REPO_ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def ready():
            if self.proc.poll() is not None:
                pytest.fail(f"the Celery worker exited with {self.proc.returncode}:\n{self.log()}")
            return " ready." in self.log()

        wait_for(ready, timeout, interval=0.2, what="the Celery worker to be ready")

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def task_done(self, task_id):
        """True once the worker logged the end (success or failure) of the task with this id."""
        text = self.log()
        return f"[{task_id}] succeeded" in text or f"[{task_id}] raised" in text

    def stop(self):
        stop_process(self.proc, timeout=15)


@pytest.fixture
def mail_dir(tmp_path):
    d = tmp_path / "mail"
    d.mkdir()
    return d


def mail_files(mail_dir):
    return sorted(p for p in mail_dir.iterdir() if p.is_file())


@pytest.fixture
def start_worker(transactional_db, mail_dir, tmp_path, request, settings):
    """Factory: start_worker(broker_url=None) starts a worker; every worker is stopped at teardown.

    Depends on transactional_db so that the worker is gone before the test database is flushed.
    """
    settings.CELERY_TASK_DEFAULT_QUEUE = QUEUE  # Celery reads the Django settings live
    from config.celery import app

    assert not app.conf.task_always_eager, "tasks must reach the worker through the broker"
    workers = []

    def start(broker_url=None):
        worker = Worker(broker_url or django_settings.REDIS_URL, mail_dir, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()
    if getattr(request.node, "rep_call_failed", False):
        for worker in workers:
            print(f"--- {worker.log_path} ---\n{worker.log()}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call_failed = report.failed
