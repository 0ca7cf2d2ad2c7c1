"""Concurrent submissions: N enterprises submit their complete drafts at the same moment through gunicorn.

    .venv/bin/python bench/submissions.py                 # 200 submissions, 50 client threads, gunicorn -w 4
    .venv/bin/python bench/submissions.py --tiny          # 20 submissions, 10 threads, -w 2 (CI)
    .venv/bin/python bench/run.py submissions             # the same, from the runner

It works in its own database (`bench_submit`, `bench_tiny_submit` with --tiny, or the runner's database name +
"_submit"; the name must start with "bench") and its own VAR_DIR (a temporary directory: private attachment
storage, file-system broker), which it empties first. Through the services, as the application would:
bureaus with staff for the province, every city and every county; N enterprises spread over the 90 counties,
each with one user and an API token; an open batch; one complete draft per enterprise with its eight
required PDF attachments. Then gunicorn on a free port (sync workers, DEBUG off, persistent connections), a
warm-up of every worker with list requests, and the N POST /api/v1/applications/{id}/submit/ requests fired
from a thread pool, every thread released at the same instant.

Checks afterwards, in the database: every draft submitted exactly once, receipt numbers 2026-00001 … N
without gap or duplicate, one revision, one audit event and one receipt notification each, and the audit hash
chain intact. Exit status 0 when there were no errors and N submissions are recorded, 1 otherwise.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

TINY = {"n": 20, "threads": 10, "workers": 2}
FULL = {"n": 200, "threads": 50, "workers": 4}
PROVINCE_USER = "sub_prov"
REQUIRED = ["application_form", "application_report", "commitment", "test_report", "ip_certificates",
            "novelty_search", "sales_evidence", "financial_report"]


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def _log(message, started):
    print(f"  {message} ({time.monotonic() - started:.1f} s)", flush=True)


# --- preparation, through the services ---------------------------------------------------------------------


def _reset(url):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        # This database belongs to the benchmark alone. TRUNCATE (row triggers do not fire) also empties the
        # append-only audit table.
        conn.execute(
            "TRUNCATE accounts_user, accounts_organisation, certification_batch, certification_application, "
            "audit_auditevent, notifications_notification, notifications_delivery RESTART IDENTITY CASCADE"
        )


def prepare(n, started):
    """Bureaus, N enterprises with users and tokens, an open batch, N complete drafts with attachments.
    Returns [(application id, token key)]."""
    from django.contrib.auth.hashers import make_password
    from django.core.files.base import ContentFile
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.demo_data import uscc
    from accounts.models import Membership, Organisation, Region, User
    from certification.demo import demo_pdf
    from certification.services import applications as app_services
    from certification.services import batches
    from certification.services.attachments import upload_attachment

    password = make_password("Bench-pass-2026")
    regions = list(Region.objects.select_related("parent"))
    province = next(r for r in regions if r.level == "province")
    cities = [r for r in regions if r.level == "city"]
    counties = [r for r in regions if r.level == "county"]

    def bureau(level, region, serial):
        name = {"province": "浙江省经济和信息化厅", "city": f"{region.name}经济和信息化局",
                "county": f"{region.parent.name if region.parent else ''}{region.name}经济和信息化局"}[level]
        return Organisation(kind="bureau", bureau_level=level, department="industry", name=name,
                            uscc=uscc("11", (region.code + "000000")[:6], serial), region=region)

    orgs = [bureau("province", province, 1)] + [bureau("city", c, 1) for c in cities]
    orgs += [bureau("county", c, 1) for c in counties]
    homes = [counties[i % len(counties)] for i in range(n)]
    orgs += [Organisation(kind="enterprise", name=f"并发提交测试{i:04d}有限公司", uscc=uscc("91", home.code, 500_000 + i),
                          region=home, contact_name="联系人", contact_phone="0571-88888888")
             for i, home in enumerate(homes, 1)]
    Organisation.objects.bulk_create(orgs)
    orgs = list(Organisation.objects.order_by("id"))
    users = []
    for org in orgs:
        if org.kind == "enterprise":
            username = f"sub_e{org.uscc[-10:-1]}"
        elif org.bureau_level == "province":
            username = PROVINCE_USER
        else:
            username = f"sub_{org.bureau_level}_{org.region_id}"
        users.append(User(username=username, email=f"{username}@example.com", display_name=username,
                          password=password, email_verified_at=timezone.now()))
    User.objects.bulk_create(users)
    users = list(User.objects.order_by("id"))
    roles = {"province": "province_staff", "city": "city_staff", "county": "county_staff"}
    Membership.objects.bulk_create([
        Membership(user=u, organisation=o, role="enterprise" if o.kind == "enterprise" else roles[o.bureau_level],
                   is_admin=True)
        for u, o in zip(users, orgs, strict=True)
    ])
    _log(f"{len(orgs) - n} bureaus with staff, {n} enterprises with users", started)

    prov = User.objects.get(username=PROVINCE_USER)
    now = timezone.now().replace(second=0, microsecond=0)
    batch = batches.create_batch(
        actor=prov, year=2026, name="并发提交基准测试批次", opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=21), recommend_deadline=now + timedelta(days=35),
        quotas={c.pk: 50 for c in cities},
    )
    batch = batches.publish_batch(actor=prov, batch_id=batch.pk)
    _log("batch created and published (services)", started)

    pdfs = {t: demo_pdf(f"bench submission - {t}") for t in REQUIRED}
    drafts = []
    enterprise_users = [(u, o) for u, o in zip(users, orgs, strict=True) if o.kind == "enterprise"]
    for i, (user, org) in enumerate(enterprise_users, 1):
        app = app_services.create_application(
            actor=user, batch_id=batch.pk, enterprise_id=org.pk, commitment=True,
            product_name=f"高精度数控加工中心{i:04d}", model_spec=f"SUB-{i:04d}", category="equipment",
            equipment_form="complete", declared_level="domestic", field="robotics",
            innovation_points="五轴联动，热误差实时补偿，主要指标达到国内领先水平。",
            indicators=[{"indicator": "定位精度", "our_value": "0.004 mm", "domestic_best": "0.008 mm",
                         "foreign_best": "0.004 mm", "source": "检测报告"}],
            ip_items=[{"kind": "发明专利", "number": f"ZL2024{i:07d}.1", "title": "一种热误差补偿方法"}],
            first_sale_contract=f"HT-2025-{i:04d}", first_sale_date=date(2025, 6, 1),
            first_sale_price=Decimal("2680000.00"), first_sale_buyer="浙江某机械有限公司",
        )
        for t in REQUIRED:
            upload_attachment(actor=user, application_id=app.pk, type=t,
                              uploaded_file=ContentFile(pdfs[t], name=f"{t}.pdf"))
        missing = app_services.completeness_errors(app)
        if missing:
            raise SystemExit(f"draft {app.pk} is not complete: {missing}")
        drafts.append((app.pk, Token.objects.create(user=user).key))
        if i % 50 == 0 or i == n:
            _log(f"{i} complete drafts with {len(REQUIRED)} PDF attachments each (services)", started)
    return batch, drafts


# --- the server --------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url, var_dir, workers, port):
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(var_dir), "DEBUG": "false", "CONN_MAX_AGE": "600",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    for key in ("REDIS_URL", "DJANGO_ENV", "PRIVATE_STORAGE_ROOT"):
        env.pop(key, None)
    log = open(var_dir / "gunicorn.log", "wb")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [str(gunicorn), "config.wsgi:application", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
         "--graceful-timeout", "5"],
        cwd=common.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    log.close()  # the child has its own descriptor
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {var_dir / 'gunicorn.log'}")
        try:
            status, _body, _ms = request(port, "GET", "/healthz")
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    stop_gunicorn(proc)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop_gunicorn(proc):
    """Stop the gunicorn this benchmark started (its own process group, by id)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def request(port, method, path, token=None):
    headers = {"Host": "127.0.0.1", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    if method == "POST":
        headers["Content-Length"] = "0"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t0 = time.perf_counter_ns()
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status, body, (time.perf_counter_ns() - t0) / 1e6


# --- the run -----------------------------------------------------------------------------------------------


def fire(port, drafts, threads):
    """POST …/submit/ for every draft from a pool of `threads`, all threads released at the same instant."""
    go = threading.Event()
    results = [None] * len(drafts)

    def one(i):
        app_id, token = drafts[i]
        go.wait()
        try:
            status, body, ms = request(port, "POST", f"/api/v1/applications/{app_id}/submit/", token)
            number = None
            if status == 200:
                number = json.loads(body).get("number")
            results[i] = {"id": app_id, "status": status, "ms": ms, "number": number,
                          "error": None if status == 200 else body[:300].decode("utf-8", "replace")}
        except Exception as exc:  # a refused or reset connection is an error of the run, not a crash
            results[i] = {"id": app_id, "status": None, "ms": None, "number": None, "error": repr(exc)}

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(one, i) for i in range(len(drafts))]
        time.sleep(0.5)  # every pool thread is now parked on the event
        t0 = time.monotonic()
        go.set()
        for f in futures:
            f.result()
        wall = time.monotonic() - t0
    return results, wall


def verify(batch, drafts):
    """What the database recorded."""
    from audit.models import AuditEvent
    from audit.services import verify_chain
    from certification.models import Application, ApplicationRevision
    from notifications.models import Notification

    ids = [app_id for app_id, _ in drafts]
    apps = list(Application.objects.filter(pk__in=ids).values("id", "state", "number", "submitted_at"))
    submitted = [a for a in apps if a["submitted_at"] is not None and a["state"] in ("county_review", "city_review")]
    numbers = sorted(a["number"] for a in submitted)
    expected = [f"{batch.year}-{i:05d}" for i in range(1, len(ids) + 1)]
    checked, broken, _problem = verify_chain()
    return {
        "recorded": len(submitted),
        "numbers_unique": len(set(numbers)) == len(numbers),
        "numbers_contiguous": numbers == expected,
        "revisions": ApplicationRevision.objects.filter(application_id__in=ids).count(),
        "audit_submitted_events": AuditEvent.objects.filter(action="application.submitted").count(),
        "receipt_notifications": Notification.objects.filter(kind="application.received").count(),
        "to_review_notifications": Notification.objects.filter(kind="application.to_review").count(),
        "audit_chain_ok": broken is None,
        "audit_events_verified": checked,
    }


def markdown(report):
    r, m, v = report["result"], report["machine"], report["verified"]
    lat = r["latency"]
    lines = [
        f"# {report['title']}",
        "",
        f"Run {report['date']} on {m['host']} ({m['cpu']}, {m['cpus']} CPUs; {m['postgresql']}; Python "
        f"{m['python']}), database `{report['database']}`{' (tiny)' if report['tiny'] else ''}; load average "
        f"{report['load_average']} at the start.",
        "",
        f"gunicorn `config.wsgi` with {report['workers']} sync workers on 127.0.0.1 (DEBUG off, CONN_MAX_AGE 600); "
        f"{report['n']} complete drafts of {report['n']} different enterprises (8 PDF attachments each, prepared "
        f"through the services); {report['threads']} client threads released at once, each "
        "`POST /api/v1/applications/{id}/submit/` with `Authorization: Token …` on a new connection.",
        "",
        "| | value |",
        "|---|---:|",
        f"| requests | {r['requests']} |",
        f"| errors (non-200 or no answer) | {r['errors']} |",
        f"| submissions recorded | {v['recorded']} |",
        f"| latency p50 / p95 / max ms | {lat['p50_ms']:.1f} / {lat['p95_ms']:.1f} / {lat['max_ms']:.1f} |",
        f"| wall time s | {r['wall_s']:.2f} |",
        f"| throughput submissions/s | {r['throughput_per_s']:.1f} |",
        f"| receipt numbers unique / contiguous 1…{report['n']} | {v['numbers_unique']} / {v['numbers_contiguous']} |",
        f"| revisions / audit events / receipts | {v['revisions']} / {v['audit_submitted_events']} / "
        f"{v['receipt_notifications']} |",
        f"| audit hash chain | {'intact' if v['audit_chain_ok'] else 'BROKEN'} ({v['audit_events_verified']} events) |",
        "",
        "| target | actual | result |",
        "|---|---:|---|",
        *[f"| {c['label']} | {c['actual']} | {'met' if c['met'] else 'MISSED'} |" for c in report["targets"].values()],
        "",
    ]
    if r["error_samples"]:
        lines += ["Errors (first 5):", "", *[f"- `{e}`" for e in r["error_samples"]], ""]
    return "\n".join(lines)


def machine():
    import platform

    import django
    from django.db import connection

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg = cursor.fetchone()[0].split(" on ")[0]
    return {"host": platform.node(), "cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(),
            "django": django.get_version(), "postgresql": pg}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="20 submissions, 10 threads, 2 workers (CI)")
    parser.add_argument("-n", type=int, default=None, help="submissions (default 200)")
    parser.add_argument("--threads", type=int, default=None, help="client threads (default 50)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default 4)")
    parser.add_argument("--database-url", default=None, help="default: …/bench_submit (…/bench_tiny_submit)")
    parser.add_argument("--out", type=Path, default=None, help="results directory")
    parser.add_argument("--keep-var", action="store_true", help="keep the temporary VAR_DIR (logs, files)")
    args = parser.parse_args(argv)
    size = TINY if args.tiny else FULL
    n, threads, workers = args.n or size["n"], args.threads or size["threads"], args.workers or size["workers"]
    out = args.out or (common.ROOT / "var" / "bench" if args.tiny else common.ROOT / "bench" / "results")
    url = args.database_url or common.submissions_url(common.database_url(tiny=args.tiny))

    started = time.monotonic()
    var_dir = Path(tempfile.mkdtemp(prefix="bench_submit_"))
    # Before Django is set up: this process's settings (private storage, broker folder) use the same VAR_DIR.
    os.environ["VAR_DIR"] = str(var_dir)
    os.environ.pop("PRIVATE_STORAGE_ROOT", None)
    db_name = common.ensure_database(url)
    common.setup_django(url)
    common.migrate()
    _reset(url)
    print(f"concurrent submissions: {n} drafts in {db_name}, gunicorn -w {workers}, {threads} client threads",
          flush=True)
    batch, drafts = prepare(n, started)
    from django.db import connection

    connection.close()  # not needed while the server runs
    load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())

    port = free_port()
    proc = start_gunicorn(url, var_dir, workers, port)
    try:
        _log(f"gunicorn up on port {port}", started)
        warm_token = drafts[0][1]
        for _ in range(workers * 4):  # every worker imports the URLconf, DRF and opens its connection
            request(port, "GET", "/api/v1/applications/?page_size=1", warm_token)
        results, wall = fire(port, drafts, threads)
        _log(f"{n} submissions fired in {wall:.2f} s", started)
    finally:
        stop_gunicorn(proc)

    verified = verify(batch, drafts)
    ok_ms = sorted(r["ms"] for r in results if r["ms"] is not None)
    errors = [r for r in results if r["status"] != 200]
    result = {
        "requests": len(results),
        "errors": len(errors),
        "error_samples": [f"{r['id']}: {r['status']} {r['error']}" for r in errors[:5]],
        "wall_s": round(wall, 3),
        "throughput_per_s": round(len(results) / wall, 2) if wall else None,
        "latency": {"n": len(ok_ms), "p50_ms": round(percentile(ok_ms, 50), 1),
                    "p95_ms": round(percentile(ok_ms, 95), 1), "max_ms": round(ok_ms[-1], 1) if ok_ms else None,
                    "min_ms": round(ok_ms[0], 1) if ok_ms else None},
        "numbers_in_responses_unique": len({r["number"] for r in results if r["number"]})
        == sum(1 for r in results if r["number"]),
    }
    targets = {
        "errors": {"label": "errors = 0", "actual": result["errors"], "met": result["errors"] == 0},
        "recorded": {"label": f"submissions recorded = {n}", "actual": verified["recorded"],
                     "met": verified["recorded"] == n},
        "numbers": {"label": "receipt numbers unique and without gaps", "actual":
                    verified["numbers_unique"] and verified["numbers_contiguous"],
                    "met": verified["numbers_unique"] and verified["numbers_contiguous"]},
        "audit": {"label": "audit hash chain intact", "actual": verified["audit_chain_ok"],
                  "met": verified["audit_chain_ok"]},
    }
    report = {
        "scenario": "submissions",
        "title": f"{n} concurrent submissions POST /api/v1/applications/{{id}}/submit/ through gunicorn",
        "date": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "tiny": args.tiny,
        "database": db_name,
        "machine": machine(),
        "n": n, "threads": threads, "workers": workers,
        "load_average": load_average,
        "result": result,
        "verified": verified,
        "targets": targets,
        "met": all(t["met"] for t in targets.values()),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "submissions.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "submissions.md").write_text(markdown(report), encoding="utf-8")
    lat = result["latency"]
    print(f"\n{report['title']}  [gunicorn -w {workers}, {threads} threads]")
    print(f"  errors {result['errors']}   recorded {verified['recorded']}/{n}   "
          f"latency p50 {lat['p50_ms']} ms  p95 {lat['p95_ms']} ms  max {lat['max_ms']} ms   "
          f"wall {wall:.2f} s ({result['throughput_per_s']}/s)")
    for t in targets.values():
        print(f"  target {t['label']:42s} actual {t['actual']!s:>6}  {'met' if t['met'] else 'MISSED'}")
    print(f"  written {out / 'submissions.json'} and submissions.md")
    if args.keep_var:
        print(f"  VAR_DIR kept: {var_dir}")
    else:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0 if report["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
