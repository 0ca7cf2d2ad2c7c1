"""OCDS 1.1 export of 政府首购: 50,000 releases streamed by procurement.ocds.stream_package on PostgreSQL (issue 7
target: peak memory growth under 100 MB; the time is quoted).

    .venv/bin/python bench/ocds_export.py            # 50,000 public purchases in bench_ocds
    .venv/bin/python bench/ocds_export.py --tiny     # 200 in bench_tiny_ocds (CI)
    .venv/bin/python bench/run.py ocds_export        # the same, from the runner

Own database: the list benchmark's name + "_ocds", emptied (TRUNCATE … CASCADE) before the data set is written
with bulk inserts, never through the services: a handful of buyers and recognised products, N public purchases in
every public state (single-source notice running, pending award, awarded, contracted, completed, cancelled after
the notice; single source with a published notice and three experts, a supplementary justification on one notice
in twenty; public tender and "other" awarded directly) and N/20 drafts, which the export leaves out.

Measured in a fresh child process (the data set is generated in another one, so that it does not raise the peak
RSS that ru_maxrss carries over fork and exec):
`stream_package(public_purchases(), …)` written chunk by chunk to a file, as `manage.py export_ocds` does.
Run 1 is timed, and the peak RSS growth is `resource.getrusage(RUSAGE_SELF).ru_maxrss` (and /proc's VmHWM) after
it minus before it (after a warm-up export of a few rows). Run 2 repeats it under `tracemalloc` for the peak of Python allocations
(slower: not timed), and run 3 does the same for the first tenth of the rows: equal peaks show the memory does
not grow with the number of releases. The file is then parsed: it must hold N releases with distinct ocids, and
its head with 100 releases and every 500th release must validate against OCDS 1.1 (schema and codelists,
tests/procurement/ocds_validation.py). Target: peak growth < 100 MB by both measures (always enforced); the
checks always (exit status 2 when they fail). Results: bench/results/ocds_export.{md,json} (var/bench/ with --tiny).
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

TARGET_MB = 100.0
FULL_PURCHASES, TINY_PURCHASES = 50_000, 200
RESULTS_DIR = common.ROOT / "bench" / "results"
TINY_RESULTS_DIR = common.ROOT / "var" / "bench"
STAFF = "ocds_prov"
BATCH_PREFIX = "ocds-bench purchases="
BASE = 2025
N_BUYERS, N_PRODUCTS = 6, 24
# (state, method, weight): every public state of every method; drafts are added on top (N/20).
MIX = [
    ("notice", "single_source", 6),
    ("pending_award", "single_source", 6),
    ("awarded", "single_source", 12),
    ("contracted", "single_source", 16),
    ("completed", "single_source", 24),
    ("cancelled", "single_source", 3),
    ("awarded", "open_tender", 5),
    ("contracted", "open_tender", 6),
    ("completed", "open_tender", 10),
    ("awarded", "other", 4),
    ("completed", "other", 8),
]
EXPERTS = [
    ("王建国", "浙江大学医学院附属第一医院", "主任医师"),
    ("李红", "浙江省医疗器械检验研究院", "正高级工程师"),
    ("陈明", "浙江工业大学", "教授"),
]


def ocds_url(url):
    """The OCDS benchmark's own database: the list benchmark's name + "_ocds"."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + (parts.path.strip("/") or "bench") + "_ocds"))


def _log(message, started):
    print(f"  {message} ({time.monotonic() - started:.1f} s)", flush=True)


def _reset(url):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE accounts_user, accounts_organisation, certification_batch, certification_application, "
            "recognition_notice, recognition_noticeitem, recognition_recognition, procurement_purchase, "
            "procurement_singlesourcenotice, procurement_noticeexpert, procurement_justification, "
            "procurement_purchaseobjection, procurement_contract, procurement_purchasedocument, audit_auditevent "
            "RESTART IDENTITY CASCADE"
        )


def current(url):
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT name FROM certification_batch WHERE name LIKE %s", [BATCH_PREFIX + "%"]).fetchone()
        return int(row[0].removeprefix(BATCH_PREFIX)) if row else None


def generate(url, n_public, seed=20261207):
    """Fill the OCDS database (Django set up on it) with exactly n_public public purchases and n_public/20 drafts."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.demo_data import uscc
    from accounts.models import Membership, Organisation, Region, User
    from certification.models import Application, Batch
    from procurement.models import Contract, Justification, NoticeExpert, Purchase, SingleSourceNotice
    from recognition.models import Notice, NoticeItem, Recognition

    started = time.monotonic()
    rng = random.Random(seed)
    print(f"generating {n_public:,} public purchases in {common.database_name(url)}", flush=True)
    _reset(url)
    now = datetime.now(UTC).replace(microsecond=0)
    regions = list(Region.objects.select_related("parent"))
    province = next(r for r in regions if r.level == "province")
    cities = [r for r in regions if r.level == "city"]
    counties = [r for r in regions if r.level == "county"]

    orgs = [
        Organisation(
            kind="bureau",
            bureau_level="province",
            department="industry",
            name="浙江省经济和信息化厅",
            uscc=uscc("11", "330000", 1),
            region=province,
            status="approved",
        )
    ]
    orgs += [
        Organisation(
            kind="buyer",
            name=f"基准采购人{i}号医院",
            uscc=uscc("12", c.code.ljust(6, "0"), 1000 + i),
            region=c,
            status="approved",
            contact_name="设备处",
            contact_phone=f"0571-8800{i:04d}",
        )
        for i, c in enumerate(rng.sample(cities, N_BUYERS), 1)
    ]
    orgs += [
        Organisation(
            kind="enterprise",
            name=f"首购基准{i:02d}装备有限公司",
            uscc=uscc("91", c.code, 500_000 + i),
            region=c,
            status="approved",
        )
        for i, c in enumerate(rng.sample(counties, N_PRODUCTS), 1)
    ]
    Organisation.objects.bulk_create(orgs)
    orgs = list(Organisation.objects.select_related("region").order_by("id"))
    province_org, buyers, enterprises = orgs[0], orgs[1 : 1 + N_BUYERS], orgs[1 + N_BUYERS :]
    staff = User.objects.create(
        username=STAFF,
        email=f"{STAFF}@example.com",
        display_name="OCDS 基准",
        password=make_password("Bench-pass-2026"),
        email_verified_at=now,
    )
    Membership.objects.create(user=staff, organisation=province_org, role="province_staff", is_admin=True)

    opens = now - timedelta(days=700)
    batch = Batch.objects.create(
        year=BASE,
        name=f"{BATCH_PREFIX}{n_public}",
        opens_at=opens,
        closes_at=opens + timedelta(days=30),
        recommend_deadline=opens + timedelta(days=60),
        state="closed",
        created_by=staff,
        published_at=opens,
    )
    notice = Notice.objects.create(
        batch=batch,
        title="首购基准公示",
        contact="省经信厅装备处",
        starts_at=opens + timedelta(days=90),
        ends_at=opens + timedelta(days=97),
        created_by=staff,
    )
    Application.objects.bulk_create(
        [
            Application(
                batch=batch,
                enterprise=ent,
                region_id=ent.region_id,
                city_id=ent.region.parent_id,
                number=f"{BASE}-{i:05d}",
                state="passed",
                county_step=True,
                product_name=f"首购基准医疗装备{i:02d}",
                model_spec=f"SG-{i:02d}",
                category="equipment",
                equipment_form="complete",
                declared_level="domestic",
                field="medical",
                created_by=staff,
                submitted_at=opens,
                commitment_confirmed_at=opens,
            )
            for i, ent in enumerate(enterprises, 1)
        ]
    )
    apps = list(Application.objects.filter(batch=batch).order_by("id"))
    NoticeItem.objects.bulk_create(
        [
            NoticeItem(notice=notice, application=a, level="domestic", state="recognised", position=i + 1)
            for i, a in enumerate(apps)
        ]
    )
    items = list(NoticeItem.objects.filter(notice=notice).order_by("id"))
    decided = date(BASE, 3, 1)
    Recognition.objects.bulk_create(
        [
            Recognition(
                application=a,
                notice_item=item,
                batch=batch,
                year=BASE,
                enterprise=enterprises[i],
                enterprise_name=enterprises[i].name,
                enterprise_uscc=enterprises[i].uscc,
                city_id=enterprises[i].region.parent_id,
                region_id=enterprises[i].region_id,
                product_name=a.product_name,
                model_spec=a.model_spec,
                category="equipment",
                equipment_form="complete",
                field="medical",
                level="domestic",
                decision_number=f"浙经信装备〔{BASE}〕1号",
                decision_date=decided,
                valid_from=decided,
                valid_until=date(BASE + 3, 3, 1),
                sequence=i + 1,
                certificate_number=f"浙首台〔{BASE}〕首购基准{i + 1:03d}号",
                status="valid",
                recognised_by=staff,
            )
            for i, (a, item) in enumerate(zip(apps, items, strict=True))
        ]
    )
    recognitions = list(Recognition.objects.filter(batch=batch).order_by("id"))
    _log(f"{len(buyers)} buyers, {len(recognitions)} recognitions (bulk_create)", started)

    plan = rng.choices([(s, m) for s, m, _w in MIX], weights=[w for _s, _m, w in MIX], k=n_public)
    plan += [("draft", rng.choice(["single_source", "open_tender"])) for _ in range(max(1, n_public // 20))]
    rng.shuffle(plan)
    awarded_states = {"awarded", "contracted", "completed"}
    rows = []
    for i, (state, method) in enumerate(plan, 1):
        r = rng.choice(recognitions)
        budget = Decimal(rng.randrange(4_000_000, 30_000_000, 10_000))
        awarded_on = date(BASE + 1, 1, 1) + timedelta(days=rng.randrange(300)) if state in awarded_states else None
        rows.append(
            Purchase(
                number=f"SG{BASE}-{i:05d}",
                buyer=rng.choice(buyers),
                recognition=r,
                supplier_id=r.enterprise_id,
                title=f"{r.product_name}采购项目（{i}）",
                description="采购首台（套）医疗装备，含安装调试与培训。",
                method=method,
                method_details="竞争性谈判" if method == "other" else "",
                quantity=rng.randint(1, 5),
                budget=budget,
                state=state,
                awarded_on=awarded_on,
                award_amount=budget if awarded_on else None,
                cancel_reason="采购需求发生变化。" if state == "cancelled" else "",
                created_by=staff,
            )
        )
    Purchase.objects.bulk_create(rows, batch_size=5_000)
    purchases = list(Purchase.objects.order_by("id").values_list("id", "state", "method", "awarded_on", "budget"))
    _log(f"{len(purchases):,} purchases (bulk_create)", started)

    notices, contracts = [], []
    for pk, state, method, awarded_on, budget in purchases:
        if method == "single_source" and state != "draft":
            start = now - timedelta(days=rng.randrange(20, 400)) if state != "notice" else now - timedelta(days=1)
            end = start + timedelta(days=9)
            notices.append(
                SingleSourceNotice(
                    purchase_id=pk,
                    reason="该设备为首台（套）认定产品，仅此一家供应商能够提供。",
                    justification="经专家论证，该产品技术指标满足采购需求，具有唯一性。",
                    contact="采购人设备处 0571-88000000",
                    starts_at=start,
                    ends_at=end,
                    published_at=start,
                    closed_at=None if state == "notice" else end,
                )
            )
        if state in ("contracted", "completed"):
            delivered = awarded_on + timedelta(days=40) if state == "completed" or rng.random() < 0.3 else None
            contracts.append(
                Contract(
                    purchase_id=pk,
                    number=f"HT-{pk:06d}",
                    amount=budget,
                    signed_on=awarded_on + timedelta(days=10),
                    signed_late=False,
                    delivered_on=delivered,
                    accepted_on=awarded_on + timedelta(days=60) if state == "completed" else None,
                    created_by=staff,
                )
            )
    SingleSourceNotice.objects.bulk_create(notices, batch_size=5_000)
    Contract.objects.bulk_create(contracts, batch_size=5_000)
    notice_ids = list(SingleSourceNotice.objects.order_by("id").values_list("id", flat=True))
    NoticeExpert.objects.bulk_create(
        [
            NoticeExpert(notice_id=n, name=name, employer=employer, title=title, position=k)
            for n in notice_ids
            for k, (name, employer, title) in enumerate(EXPERTS)
        ],
        batch_size=10_000,
    )
    Justification.objects.bulk_create(
        [
            Justification(
                notice_id=n,
                text="经补充论证，其他厂家产品未获首台（套）认定。",
                experts="孙七（浙江大学，教授）",
                created_by=staff,
            )
            for n in notice_ids[::20]
        ],
        batch_size=5_000,
    )
    _log(
        f"{len(notices):,} notices with {3 * len(notices):,} experts, {len(notice_ids[::20]):,} justifications, "
        f"{len(contracts):,} contracts (bulk_create)",
        started,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts() | {"generated_seconds": round(time.monotonic() - started, 1)}


def counts():
    from django.db.models import Count

    from procurement.models import Contract, Justification, NoticeExpert, Purchase, SingleSourceNotice
    from procurement.queries import public_purchases

    by_state = dict(
        sorted(Purchase.objects.order_by().values("state").annotate(n=Count("id")).values_list("state", "n"))
    )
    return {
        "purchases": Purchase.objects.count(),
        "public": public_purchases().count(),
        "by_state": by_state,
        "notices": SingleSourceNotice.objects.count(),
        "experts": NoticeExpert.objects.count(),
        "justifications": Justification.objects.count(),
        "contracts": Contract.objects.count(),
    }


def ensure(url, n_public, regenerate=False):
    common.ensure_database(url)
    common.setup_django(url)
    common.migrate()
    if regenerate or current(url) != n_public:
        return generate(url, n_public)
    return counts()


# --- the measurement (child process) ---------------------------------------------------------------------------


def _maxrss_mb():
    # KiB on Linux. Inherited over fork and kept over exec: hence the parent never holds the data set (the
    # generation runs in a child too) and stays below this process's own start-up size.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _hwm_mb():
    """VmHWM, this process image's own peak RSS (reset by exec, unlike ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _rss_mb():
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def _export(queryset, path, chunk_size):
    from procurement import ocds

    stream = ocds.stream_package(
        queryset, uri="https://bench.example.org/api/v1/procurement/ocds/", chunk_size=chunk_size
    )
    with open(path, "w", encoding="utf-8") as fh:
        for chunk in stream:
            fh.write(chunk)
    return stream.count, os.path.getsize(path)


def measure(url, chunk_size):
    """In a fresh process: timed export with the peak RSS growth, then tracemalloc peaks for all and a tenth."""
    import gc
    import tracemalloc

    common.setup_django(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from procurement.queries import public_purchases

    out = Path(tempfile.mkdtemp(prefix="ocds-bench-"))
    target = out / "ocds.json"
    # Warm-up: imports, URL resolver, connection, regions; a handful of rows.
    warm_ids = list(public_purchases().order_by("pk").values_list("pk", flat=True)[:20])
    _export(public_purchases().filter(pk__in=warm_ids), target, chunk_size)
    gc.collect()
    rss_before, maxrss_before, hwm_before = _rss_mb(), _maxrss_mb(), _hwm_mb()

    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        count, size = _export(public_purchases(), target, chunk_size)
    seconds = time.perf_counter() - t0
    maxrss_after, rss_after, hwm_after = _maxrss_mb(), _rss_mb(), _hwm_mb()

    gc.collect()
    tracemalloc.start()
    _export(public_purchases(), out / "traced.json", chunk_size)
    _current, peak_all = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ids = list(public_purchases().order_by("pk").values_list("pk", flat=True))
    tenth = public_purchases().filter(pk__lte=ids[max(0, len(ids) // 10 - 1)])
    gc.collect()
    tracemalloc.start()
    count_tenth, _size = _export(tenth, out / "tenth.json", chunk_size)
    _current, peak_tenth = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    checks = check_file(target, expected=len(ids))
    for p in out.iterdir():
        p.unlink()
    out.rmdir()
    return {
        "releases": count,
        "bytes": size,
        "seconds": round(seconds, 3),
        "releases_per_second": round(count / seconds, 1) if seconds else None,
        "queries": len(captured.captured_queries),
        "chunk_size": chunk_size,
        "rss_before_mb": round(rss_before, 1),
        "rss_after_mb": round(rss_after, 1),
        "maxrss_before_mb": round(maxrss_before, 1),
        "maxrss_after_mb": round(maxrss_after, 1),
        "maxrss_growth_mb": round(maxrss_after - maxrss_before, 1),
        "vmhwm_before_mb": round(hwm_before, 1),
        "vmhwm_after_mb": round(hwm_after, 1),
        "vmhwm_growth_mb": round(hwm_after - hwm_before, 1),
        "tracemalloc_peak_mb": round(peak_all / 2**20, 2),
        "tenth_releases": count_tenth,
        "tracemalloc_peak_tenth_mb": round(peak_tenth / 2**20, 2),
        "checks": checks,
    }


def check_file(path, expected):
    """The file parses; N releases with distinct ocids; the head with 100 releases and every 500th validate."""
    from tests.procurement.ocds_validation import package_errors, release_errors

    with open(path, encoding="utf-8") as fh:
        package = json.load(fh)
    releases = package["releases"]
    sample = releases[::500]
    errors = package_errors({**package, "releases": releases[:100]})
    for i, r in zip(range(0, len(releases), 500), sample, strict=True):
        errors += [f"/releases/{i}{e}" for e in release_errors(r)]
    ocids = {r["ocid"] for r in releases}
    return {
        "parsed": True,
        "releases": len(releases),
        "expected": expected,
        "distinct_ocids": len(ocids),
        "validated": 100 + len(sample),
        "errors": errors[:20],
        "error_count": len(errors),
        "tags": dict(sorted(_count(",".join(r["tag"]) for r in releases).items())),
        "ok": not errors and len(releases) == expected == len(ocids),
    }


def _count(values):
    out = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


# --- report --------------------------------------------------------------------------------------------------


def run(args, url):
    n_public = args.purchases or (TINY_PURCHASES if args.tiny else FULL_PURCHASES)
    this = [sys.executable, str(Path(__file__).resolve()), "--database-url", url]
    # Each step in its own process: the data set's generation must not raise the measuring process's peak RSS.
    generate_command = [
        *this,
        "--generate",
        "--purchases",
        str(n_public),
        *(["--regenerate"] if args.regenerate else []),
    ]
    summary = json.loads(
        subprocess.run(generate_command, check=True, stdout=subprocess.PIPE, text=True).stdout.strip().splitlines()[-1]
    )
    measure_command = [*this, "--measure", "--chunk-size", str(args.chunk_size)]
    result = json.loads(
        subprocess.run(measure_command, check=True, stdout=subprocess.PIPE, text=True).stdout.strip().splitlines()[-1]
    )
    worst = max(result["maxrss_growth_mb"], result["vmhwm_growth_mb"], result["tracemalloc_peak_mb"])
    return {
        "scenario": "ocds_export",
        "title": f"OCDS 1.1 export: {result['releases']:,} releases streamed by stream_package",
        "date": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "tiny": args.tiny,
        "database": common.database_name(url),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "data": summary,
        "result": result,
        "target": {
            "label": f"peak memory growth < {TARGET_MB:g} MB (RSS and tracemalloc)",
            "actual": worst,
            "met": worst < TARGET_MB,
            "enforced": True,
        },
    }


def markdown(report, machine):
    d, r, t = report["data"], report["result"], report["target"]
    c = r["checks"]
    states = ", ".join(f"{k} {v:,}" for k, v in d["by_state"].items())
    return "\n".join(
        [
            f"# {report['title']}",
            "",
            f"Run {report['date']} on {machine['host']} ({machine['cpu']}, {machine['cpus']} CPUs, "
            f"{machine['memory_gb']} GB; {machine['postgresql']}; Python {machine['python']}, Django {machine['django']}), "
            f"database `{report['database']}`{' (tiny)' if report['tiny'] else ''}; load average {report['load_average']} "
            "at the start.",
            "",
            f"Data (bench/ocds_export.py, bulk inserts): {d['purchases']:,} purchases ({d['public']:,} public; {states}) "
            f"of {N_BUYERS} buyers and {N_PRODUCTS} recognised products; {d['notices']:,} published single-source notices "
            f"with {d['experts']:,} experts and {d['justifications']:,} supplementary justifications; "
            f"{d['contracts']:,} contracts.",
            "",
            "Measured in a fresh child process: `procurement.ocds.stream_package(public_purchases(), …)` written chunk "
            f"by chunk to a file (rows read with `.iterator(chunk_size={r['chunk_size']})`, a server-side cursor, and "
            "per-chunk prefetches of experts and justifications). Run 1 timed, with the peak RSS growth (ru_maxrss "
            "after − before, after a warm-up export); run 2 under tracemalloc (peak of Python allocations, not timed); "
            "run 3 the same for the first tenth of the rows.",
            "",
            "| | value |",
            "|---|---:|",
            f"| releases / file size | {r['releases']:,} / {r['bytes'] / 2**20:,.1f} MB |",
            f"| wall time | {r['seconds']:.2f} s ({r['releases_per_second']:,.0f} releases/s) |",
            f"| queries | {r['queries']} |",
            f"| RSS before → after (current) | {r['rss_before_mb']:.1f} → {r['rss_after_mb']:.1f} MB |",
            f"| peak RSS growth: ru_maxrss / VmHWM | {r['maxrss_growth_mb']:.1f} / {r['vmhwm_growth_mb']:.1f} MB "
            f"({r['maxrss_before_mb']:.1f} → {r['maxrss_after_mb']:.1f} MB) |",
            f"| tracemalloc peak, all {r['releases']:,} | {r['tracemalloc_peak_mb']:.2f} MB |",
            f"| tracemalloc peak, first {r['tenth_releases']:,} | {r['tracemalloc_peak_tenth_mb']:.2f} MB |",
            f"| file checks | parsed, {c['releases']:,} releases of {c['expected']:,} expected, {c['distinct_ocids']:,} "
            f"distinct ocids; {c['validated']} releases validated, {c['error_count']} errors |",
            f"| tags | {', '.join(f'{k}: {v:,}' for k, v in c['tags'].items())} |",
            "",
            "| target | actual | result |",
            "|---|---:|---|",
            f"| {t['label']} | {t['actual']:.1f} MB | {'met' if t['met'] else 'MISSED'} |",
            "",
        ]
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help=f"{TINY_PURCHASES} public purchases (CI)")
    parser.add_argument("--purchases", type=int, default=None, help=f"public purchases (default {FULL_PURCHASES:,})")
    parser.add_argument("--chunk-size", type=int, default=500, help="rows per chunk of the iterator (default 500)")
    parser.add_argument("--regenerate", action="store_true", help="regenerate even if the data set fits")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even when the target is missed")
    parser.add_argument("--database-url", default=None, help="default: BENCH_DATABASE_URL or …/bench(_tiny), + _ocds")
    parser.add_argument("--out", type=Path, default=None, help="results directory")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)  # child: the data set
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # child: the measurement
    args = parser.parse_args(argv)
    url = args.database_url or ocds_url(common.database_url(tiny=args.tiny))
    if args.generate:
        summary = ensure(url, args.purchases, regenerate=args.regenerate)
        print(json.dumps(summary, ensure_ascii=False), flush=True)
        return 0
    if args.measure:
        common.check_bench_database(url)
        print(json.dumps(measure(url, args.chunk_size)), flush=True)
        return 0
    report = run(args, url)

    import psycopg

    from bench.run import machine

    with psycopg.connect(url) as pg:
        info = machine(pg)
    out = args.out or (TINY_RESULTS_DIR if args.tiny else RESULTS_DIR)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ocds_export.json").write_text(
        json.dumps(report | {"machine": info}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / "ocds_export.md").write_text(markdown(report, info), encoding="utf-8")
    r, t, c = report["result"], report["target"], report["result"]["checks"]
    print(
        f"\n{report['title']}: {r['seconds']:.2f} s ({r['releases_per_second']:,.0f} releases/s, "
        f"{r['bytes'] / 2**20:,.1f} MB, {r['queries']} queries)"
    )
    print(
        f"  peak RSS growth {r['maxrss_growth_mb']:.1f} MB, tracemalloc peak {r['tracemalloc_peak_mb']:.2f} MB "
        f"(first tenth: {r['tracemalloc_peak_tenth_mb']:.2f} MB); target < {TARGET_MB:g} MB: "
        f"{'met' if t['met'] else 'MISSED'}"
    )
    print(f"  file: {c['releases']:,} releases, {c['validated']} validated, {c['error_count']} errors")
    print(f"results: {out / 'ocds_export.md'}")
    if not c["ok"]:
        print(f"FAILED: the exported file does not check out: {c['errors'][:5]}", file=sys.stderr)
        return 2
    return 1 if (t["enforced"] and not t["met"] and not args.no_fail) else 0


if __name__ == "__main__":
    raise SystemExit(main())
