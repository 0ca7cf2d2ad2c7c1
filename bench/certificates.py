"""Certificate rendering: seconds per certificate with Noto CJK (HarfBuzz subsetting and WeasyPrint's fontTools
fallback, in the same run), and N certificates through a real Celery worker.

    .venv/bin/python bench/certificates.py              # 30 renders with HarfBuzz, 5 with fontTools, 300 through the worker
    .venv/bin/python bench/certificates.py --tiny       # 10 renders (1 with fontTools), 10 through the worker (CI)
    .venv/bin/python bench/run.py certificates          # the same, from the runner

1. Rendering: recognition.pdf.certificate_pdf on one in-memory certificate (a long Chinese product and enterprise
   name, the QR code), after one warm-up render, timed n times; the median is the figure. Then the same with
   WeasyPrint's font subsetting forced onto fontTools: WeasyPrint 70 uses HarfBuzz-Subset when the library is
   loaded (weasyprint.pdf.fonts.harfbuzz_subset) and falls back to fontTools otherwise; the benchmark sets that
   module attribute to None for the duration, which is exactly the path taken on a system without
   libharfbuzz-subset0. The ratio fontTools / HarfBuzz is reported.
2. Worker: its own PostgreSQL database (the list benchmark's name + "_certificates": bench_certificates,
   bench_tiny_certificates) with N recognitions and their pending certificates; a `celery worker` (prefork, one
   process per CPU) on Redis when REDIS_URL answers, else on kombu's filesystem broker in a temporary folder;
   the N tasks are published at once and the wall time until every certificate is ready (rows polled) is the
   figure. Each stored file's SHA-256 is checked against its row.

Targets (issue 5): median ≤ 0.2 s per certificate (HarfBuzz); 300 certificates through the worker ≤ 60 s. Enforced
at full size; at --tiny size reported only. Exit 0 when met, 1 otherwise (unless --no-fail).
"""

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

TARGET_MEDIAN_S = 0.2
TARGET_WORKER_S = 60.0
RESULTS_DIR = common.ROOT / "bench" / "results"
TINY_RESULTS_DIR = common.ROOT / "var" / "bench"
QUEUE = "bench-certificates"


def certificates_url(url):
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + (parts.path.strip("/") or "bench") + "_certificates"))


def _redis_url(url):
    """The Redis URL if it answers, else None (then the filesystem broker is used)."""
    if not url:
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception:
        return None


# --- 1. rendering -------------------------------------------------------------------------------------


def sample_certificate():
    from recognition.models import Certificate, Recognition

    rec = Recognition(
        year=2026, enterprise_name="浙江万丰飞机工业有限公司（新昌）航空装备制造分公司", enterprise_uscc="91330624MA2BXXXX0Q",
        product_name="DA40NG 轻型活塞式通用飞机（四座、柴油发动机、复合材料机体）", model_spec="DA40NG-ZJ/2026-A",
        category="equipment", equipment_form="complete", field="transport", level="domestic",
        decision_number="浙经信装备〔2026〕12号", decision_date=dt.date(2026, 3, 15), valid_from=dt.date(2026, 3, 15),
        valid_until=dt.date(2029, 3, 14), sequence=7, certificate_number="ZJ-2026-D-0007", status="valid",
    )
    cert = Certificate(recognition=rec, version=1, current=True)
    cert.issued_at = datetime.now(UTC)
    return cert


def time_renders(n, warmup=True):
    from recognition.pdf import certificate_pdf

    cert = sample_certificate()
    # Warm-up: font configuration, template compilation (the fontTools run follows a warm HarfBuzz run).
    size = len(certificate_pdf(cert)) if warmup else None
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        size = len(certificate_pdf(cert))
        samples.append(time.perf_counter() - t0)
    return samples, size


def render_benchmark(n, n_fonttools):
    import weasyprint.pdf.fonts as wp_fonts

    if wp_fonts.harfbuzz_subset is None:
        print("warning: HarfBuzz-Subset is not loaded: both measurements use fontTools", file=sys.stderr)
    harfbuzz, hb_size = time_renders(n)
    saved = wp_fonts.harfbuzz_subset
    wp_fonts.harfbuzz_subset = None  # WeasyPrint's own fallback path (no libharfbuzz-subset0)
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its "Using fontTools instead of HarfBuzz-Subset" warning, once per render
    try:
        fonttools, ft_size = time_renders(n_fonttools, warmup=False)
    finally:
        wp_fonts.harfbuzz_subset = saved
        logger.setLevel(level)
    out = {}
    for name, samples, size in (("harfbuzz", harfbuzz, hb_size), ("fonttools", fonttools, ft_size)):
        out[name] = {"n": len(samples), "median_s": round(statistics.median(samples), 4),
                     "min_s": round(min(samples), 4), "max_s": round(max(samples), 4), "pdf_bytes": size}
    out["ratio_fonttools_to_harfbuzz"] = round(out["fonttools"]["median_s"] / out["harfbuzz"]["median_s"], 1)
    out["harfbuzz_subset_loaded"] = saved is not None
    return out


# --- 2. through the worker ----------------------------------------------------------------------------


def prepare(n):
    """N recognitions with pending certificates in the benchmark database (emptied first). No enterprise user:
    no notification, so the worker does only the certificates."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Organisation, Region, User
    from certification.models import Application, Batch
    from recognition.models import Certificate, Notice, NoticeItem, Recognition

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE recognition_certificate, recognition_recognition, recognition_objection, "
                       "recognition_noticeitem, recognition_notice, certification_application, certification_batch "
                       "CASCADE")
    staff, _ = User.objects.get_or_create(username="bench_cert_staff")
    county = Region.objects.filter(level=Region.Level.COUNTY).select_related("parent").order_by("code").first()
    org, _ = Organisation.objects.get_or_create(
        uscc="91330106MA2B00001X",
        defaults={"kind": "enterprise", "name": "杭州基准测试装备有限公司", "region": county, "status": "approved"})
    now = timezone.now()
    batch = Batch.objects.create(year=2026, name="2026年度基准批次", opens_at=now - dt.timedelta(days=90),
                                 closes_at=now - dt.timedelta(days=60), recommend_deadline=now - dt.timedelta(days=50),
                                 created_by=staff)
    notice = Notice.objects.create(batch=batch, title="基准公示", contact="省经信厅", starts_at=now - dt.timedelta(days=20),
                                   ends_at=now - dt.timedelta(days=10), created_by=staff)
    apps = Application.objects.bulk_create([
        Application(batch=batch, enterprise=org, region=county, city=county.parent, number=f"B-{i:05d}",
                    state="recognised", product_name=f"高端数控装备基准产品{i}", model_spec=f"BX-{i:05d}",
                    category="equipment", equipment_form="complete", declared_level="provincial", field="robotics",
                    created_by=staff)
        for i in range(1, n + 1)])
    items = NoticeItem.objects.bulk_create([
        NoticeItem(notice=notice, application=a, level="provincial", state="recognised", position=i)
        for i, a in enumerate(apps, 1)])
    recs = Recognition.objects.bulk_create([
        Recognition(application=a, notice_item=item, batch=batch, year=2026, enterprise=org, enterprise_name=org.name,
                    enterprise_uscc=org.uscc, city=county.parent, region=county, product_name=a.product_name,
                    model_spec=a.model_spec, category="equipment", equipment_form="complete", field="robotics",
                    level="provincial", decision_number="浙经信装备〔2026〕12号", decision_date=dt.date(2026, 3, 15),
                    valid_from=dt.date(2026, 3, 15), valid_until=dt.date(2029, 3, 14), sequence=i,
                    certificate_number=f"ZJ-2026-P-{i:04d}", recognised_by=staff)
        for i, (a, item) in enumerate(zip(apps, items, strict=True), 1)])
    certs = Certificate.objects.bulk_create([
        Certificate(recognition=r, version=1, current=True, requested_by=staff) for r in recs])
    return [c.pk for c in certs]


def worker_benchmark(url, n, private_root, redis_url):
    from recognition.models import Certificate
    from recognition.tasks import render_certificate

    redis_url = _redis_url(redis_url)
    broker_dir = Path(tempfile.mkdtemp(prefix="bench-cert-broker-"))
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings", DEBUG="false",
               PRIVATE_STORAGE_ROOT=str(private_root), CONN_MAX_AGE="0", PYTHONUNBUFFERED="1",
               VAR_DIR=str(broker_dir), CELERY_TASK_ALWAYS_EAGER="false",
               PYTHONPATH=os.pathsep.join(filter(None, [str(common.ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("DJANGO_ENV", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
        broker = f"redis ({redis_url})"
    else:
        env.pop("REDIS_URL", None)
        broker = f"filesystem ({broker_dir})"
    ids = prepare(n)
    concurrency = max(1, os.cpu_count() or 1)
    log_path = broker_dir / "worker.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", f"--concurrency={concurrency}",
             "--pool=prefork", "-l", "warning", "-Q", QUEUE, "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"bench-cert-{os.getpid()}@%h"],
            # In the temporary folder: kombu's filesystem transport writes its control files under the cwd.
            cwd=broker_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # The publishing side: this process, on the same broker as the worker.
        from config.celery import app

        if redis_url:
            app.conf.broker_url = redis_url
        else:
            app.conf.broker_url = "filesystem://"
            app.conf.broker_transport_options = {
                "data_folder_in": str(broker_dir / "broker" / "queue"),
                "data_folder_out": str(broker_dir / "broker" / "queue"),
                "processed_folder": str(broker_dir / "broker" / "processed"), "store_processed": False,
                "control_folder": str(broker_dir / "control")}
            for sub in ("queue", "processed"):
                (broker_dir / "broker" / sub).mkdir(parents=True, exist_ok=True)
        time.sleep(3)  # let the pool start: the figure is the worker's throughput, not its start-up
        t0 = time.perf_counter()
        for pk in ids:
            render_certificate.apply_async(args=[pk], queue=QUEUE)
        deadline = t0 + max(TARGET_WORKER_S * 5, 120)
        while True:
            done = Certificate.objects.filter(state="ready").count()
            if done == n:
                break
            if proc.poll() is not None or time.perf_counter() > deadline:
                raise SystemExit(f"worker did not finish ({done}/{n}); log:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.05)
        elapsed = time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    bad = 0
    for cert in Certificate.objects.all():
        data = (Path(private_root) / cert.path).read_bytes()
        bad += hashlib.sha256(data).hexdigest() != cert.sha256
    shutil.rmtree(broker_dir, ignore_errors=True)
    return {"n": n, "seconds": round(elapsed, 2), "per_certificate_s": round(elapsed / n, 4), "broker": broker,
            "concurrency": concurrency, "fingerprint_mismatches": bad}


# --- report ---------------------------------------------------------------------------------------------


def markdown(report):
    r, w = report["render"], report["worker"]
    lines = [
        "# Certificates: rendering and the worker",
        "",
        f"Run {report['date']} on {report['machine']['host']} ({report['machine']['cpu']}, {report['machine']['cpus']} "
        f"CPUs; Python {report['machine']['python']}, WeasyPrint {report['machine']['weasyprint']})"
        f"{' — tiny run' if report['tiny'] else ''}; load average {report['load_average']} at the start.",
        "",
        "One A4 landscape certificate (Noto Serif CJK SC regular and bold, a QR code PNG, about 40 lines of Chinese "
        "text), rendered by `recognition.pdf.certificate_pdf` after one warm-up render.",
        "",
        "| font subsetting | n | median s | min s | max s | PDF bytes |",
        "|---|---:|---:|---:|---:|---:|",
        *[f"| {label} | {r[k]['n']} | {r[k]['median_s']:.3f} | {r[k]['min_s']:.3f} | {r[k]['max_s']:.3f} | "
          f"{r[k]['pdf_bytes']:,} |" for k, label in (("harfbuzz", "HarfBuzz-Subset (libharfbuzz-subset0)"),
                                                     ("fonttools", "fontTools fallback"))],
        "",
        f"Ratio fontTools / HarfBuzz (medians): **{r['ratio_fonttools_to_harfbuzz']}×**.",
        "",
        f"Worker: {w['n']} certificates published at once to a `celery worker` (prefork, concurrency "
        f"{w['concurrency']}) on {w['broker'].split(' ')[0]}, PostgreSQL database `{report['database']}`: "
        f"**{w['seconds']:.1f} s** from the first publish to the last row ready ({w['per_certificate_s']:.3f} s per "
        f"certificate); SHA-256 mismatches between rows and files: {w['fingerprint_mismatches']}.",
        "",
        "| target | actual | result |",
        "|---|---:|---|",
        *[f"| {c['label']} | {c['shown']} | {'met' if c['met'] else ('MISSED' if c['enforced'] else 'missed (not enforced at tiny size)')} |"
          for c in report["targets"].values()],
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("-n", type=int, default=None, help="timed renders per path (default 30; tiny 10)")
    parser.add_argument("--fonttools-n", type=int, default=None, help="timed fontTools renders (default 5; tiny 1)")
    parser.add_argument("--worker-n", type=int, default=None, help="certificates through the worker (300; tiny 10)")
    parser.add_argument("--database-url", default=None, help="default: BENCH_DATABASE_URL or …/bench(_tiny) + _certificates")
    parser.add_argument("--no-fail", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    n = args.n or (10 if args.tiny else 30)
    n_ft = args.fonttools_n or (1 if args.tiny else 5)
    n_worker = args.worker_n or (10 if args.tiny else 300)
    url = args.database_url or certificates_url(common.database_url(tiny=args.tiny))
    out = args.out or (TINY_RESULTS_DIR if args.tiny else RESULTS_DIR)

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")  # read before setup_django drops it
    db_name = common.ensure_database(url)
    common.setup_django(url)
    common.migrate()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())

    print(f"rendering: {n} with HarfBuzz, {n_ft} with fontTools …", flush=True)
    render = render_benchmark(n, n_ft)
    print(f"worker: {n_worker} certificates …", flush=True)
    private_root = Path(tempfile.mkdtemp(prefix="bench-cert-files-"))
    try:
        worker = worker_benchmark(url, n_worker, private_root, redis_url)
    finally:
        shutil.rmtree(private_root, ignore_errors=True)

    import weasyprint

    full = not args.tiny
    targets = {
        "median": {"label": f"median per certificate (Noto CJK, HarfBuzz) ≤ {TARGET_MEDIAN_S} s",
                   "shown": f"{render['harfbuzz']['median_s']:.3f} s",
                   "met": render["harfbuzz"]["median_s"] <= TARGET_MEDIAN_S, "enforced": full},
        "worker": {"label": f"300 certificates through the worker ≤ {TARGET_WORKER_S:g} s"
                   + ("" if n_worker == 300 else f" (here {n_worker}, scaled: ≤ {TARGET_WORKER_S * n_worker / 300:.1f} s)"),
                   "shown": f"{worker['seconds']:.1f} s",
                   "met": worker["seconds"] <= TARGET_WORKER_S * n_worker / 300, "enforced": full},
        "fingerprints": {"label": "stored SHA-256 = SHA-256 of every file", "shown": str(worker["fingerprint_mismatches"]),
                         "met": worker["fingerprint_mismatches"] == 0, "enforced": True},
    }
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "")
    report = {
        "scenario": "certificates", "date": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "tiny": args.tiny, "database": db_name, "load_average": load_average,
        "machine": {"host": platform.node(), "cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(),
                    "weasyprint": weasyprint.__version__},
        "render": render, "worker": worker, "targets": targets,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "certificates.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "certificates.md").write_text(markdown(report), encoding="utf-8")
    print(f"\nCertificates  [{'tiny' if args.tiny else 'full'}]")
    print(f"  HarfBuzz   median {render['harfbuzz']['median_s']:.3f} s  (n={render['harfbuzz']['n']})")
    print(f"  fontTools  median {render['fonttools']['median_s']:.3f} s  (n={render['fonttools']['n']})  "
          f"ratio {render['ratio_fonttools_to_harfbuzz']}×")
    print(f"  worker     {worker['n']} certificates in {worker['seconds']:.1f} s on {worker['broker']}, "
          f"concurrency {worker['concurrency']}")
    for c in targets.values():
        verdict = "met" if c["met"] else ("MISSED" if c["enforced"] else "missed (not enforced at tiny size)")
        print(f"  target {c['label']:60s} actual {c['shown']:>9s}  {verdict}")
    print(f"  written {out / 'certificates.json'} and certificates.md")
    failed = any(not c["met"] for c in targets.values() if c["enforced"])
    return 1 if failed and not args.no_fail else 0


if __name__ == "__main__":
    sys.exit(main())
