"""Benchmark runner: p50/p95 latency and query count of API endpoints against a raw-SQL baseline.

    .venv/bin/python bench/run.py                  # 1,000,000 notifications in database `bench`
    .venv/bin/python bench/run.py --tiny           # 2,000 notifications in `bench_tiny`: a quick smoke run for CI
    .venv/bin/python bench/run.py --no-fail        # report only, exit 0 even when a target is missed
    .venv/bin/python bench/run.py --profile        # also print a cProfile of the API side
    .venv/bin/python bench/run.py applications_province applications_city   # 100,000 applications
    .venv/bin/python bench/run.py submissions      # 200 concurrent submissions through gunicorn (own database)
    .venv/bin/python bench/run.py review_assign review_ranking   # expert review: auto-assign, ranking (own database)
    .venv/bin/python bench/run.py certificates     # certificate PDFs: HarfBuzz vs fontTools, 300 through a worker
    .venv/bin/python bench/run.py insurance_recompute   # eligibility and amount of 10,000 claims (own database)
    .venv/bin/python bench/run.py ocds_export      # OCDS export: 50,000 releases streamed, peak memory (own database)

The runner creates its benchmark database if missing, migrates it, (re)generates the data set when its row
counts differ from the requested size (or with --regenerate), checks that the API and the baseline give
byte-identical JSON, counts the API's queries, then times API and baseline alternately (after a warm-up)
and writes <scenario>.json and <scenario>.md (bench/results/ for full runs, var/bench/ for --tiny).
Exit status: 0 when every target is met; 1 when one is missed (unless --no-fail); 2 when the API and the
baseline disagree. With --tiny the timing targets are reported but only the query-count target is enforced.
"""

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench import generate as gen

RESULTS_DIR = common.ROOT / "bench" / "results"
# Expert review (issue 4): each in a child process on its own database, the list database's name + "_review".
REVIEW_SCENARIOS = {"review_assign": "review_assign.py", "review_ranking": "review_ranking.py"}
# Certificates (issue 5): rendering (HarfBuzz vs fontTools) and a real worker, in a child process on …_certificates.
CHILD_SCENARIOS = {"certificates": "certificates.py", "insurance_recompute": "insurance_recompute.py",
                   "ocds_export": "ocds_export.py"}
TINY_RESULTS_DIR = common.ROOT / "var" / "bench"


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100)
    return sorted_values[int(rank) - 1]


def stats(samples_ns):
    ms = sorted(s / 1e6 for s in samples_ns)
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "min_ms": round(ms[0], 3),
        "max_ms": round(ms[-1], 3),
        "mean_ms": round(sum(ms) / len(ms), 3),
    }


def machine(pg):
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    import django

    setting = lambda name: pg.execute(f"SHOW {name}").fetchone()[0]  # noqa: E731
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": mem_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg.execute("SELECT version()").fetchone()[0].split(" on ")[0],
        "postgresql_settings": {n: setting(n) for n in ("shared_buffers", "work_mem", "jit", "random_page_cost")},
    }


def ensure_data(url, *, notifications, applications, data_sets, regenerate):
    """Generate the data sets the selected scenarios read when missing or of another size. Regenerating the
    notifications empties the users (and so the applications): the applications then follow."""
    import psycopg

    data = {}
    fresh_users = False
    if "notifications" in data_sets:
        _users, bench_inbox = gen.sizes(notifications)
        with psycopg.connect(url) as pg:
            current = gen.counts(pg)
        if regenerate or current["notifications"] != notifications or current["bench_user_inbox"] != bench_inbox:
            if not regenerate:
                print(f"data set has {current['notifications']:,} notifications, {notifications:,} requested: "
                      "regenerating")
            current = gen.generate(url=url, notifications=notifications)
            fresh_users = True
        data["notifications"] = current
    if "applications" in data_sets:
        with psycopg.connect(url) as pg:
            current = gen.application_counts(pg)
            tokens = pg.execute(
                "SELECT count(*) FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id "
                "WHERE u.username IN (%s, %s)", [gen.APPS_PROVINCE_USER, gen.APPS_CITY_USER]
            ).fetchone()[0]
        if regenerate or fresh_users or current["applications"] != applications or tokens != 2:
            if not (regenerate or fresh_users):
                print(f"data set has {current['applications']:,} applications, {applications:,} requested: "
                      "regenerating")
            current = gen.generate_applications(url=url, applications=applications)
        data["applications"] = current
    return data


def explain(pg, sqls, tables=("notifications_notification",)):
    """EXPLAIN (ANALYZE, BUFFERS) of the statements on the scenario's main tables, for the record."""
    plans = []
    for sql in sqls:
        if not any(t in sql for t in tables):
            continue
        pg.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)  # once to warm this connection's caches
        rows = pg.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql).fetchall()
        plans.append({"sql": sql, "plan": [r[0] for r in rows]})
    return plans


def run_scenario(scenario, *, n, warmup, profile):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api_body, baseline_body = scenario.api(), scenario.baseline()
    if api_body != baseline_body:
        same = json.loads(api_body) == json.loads(baseline_body)
        print(
            f"{scenario.name}: API and baseline JSON differ{' (bytes only)' if same else ''}:\n"
            f"  api:      {api_body[:400]!r}\n  baseline: {baseline_body[:400]!r}",
            file=sys.stderr,
        )
        if not same:
            raise SystemExit(2)

    with CaptureQueriesContext(connection) as captured:
        scenario.api()
    secret = getattr(scenario, "token", None)
    sqls = [q["sql"].replace(secret, "<token>") if secret else q["sql"] for q in captured.captured_queries]
    # The same list at other page sizes and pages must take as many queries (no query per row).
    variant_queries = {}
    for label, path in (scenario.query_variants() if hasattr(scenario, "query_variants") else {}).items():
        with CaptureQueriesContext(connection) as captured:
            scenario.api(path)
        variant_queries[label] = len(captured.captured_queries)

    for _ in range(warmup):
        scenario.api()
        scenario.baseline()

    api_ns, base_ns = [], []
    clock = time.perf_counter_ns
    for i in range(n):
        # Alternate (and swap the order every other round) so that drift affects both sides alike.
        pair = (("api", scenario.api), ("base", scenario.baseline))
        for side, fn in pair if i % 2 == 0 else reversed(pair):
            t0 = clock()
            fn()
            elapsed = clock() - t0
            (api_ns if side == "api" else base_ns).append(elapsed)

    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(min(n, 200)):
            scenario.api()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)

    return {
        "api": {**stats(api_ns), "queries": len(sqls)},
        "baseline": {**stats(base_ns), "queries": scenario.baseline_queries()},
        "sql": sqls,
        "variant_queries": variant_queries,
        "response_bytes": len(api_body),
    }


def evaluate(scenario, result, tiny):
    """Compare with the scenario's targets. At --tiny size the timing targets are reported but not enforced:
    they are defined for the full data set, and a tiny baseline is all round trips and no work."""
    api, base = result["api"], result["baseline"]
    ratio_p50 = api["p50_ms"] / base["p50_ms"]
    ratio_p95 = api["p95_ms"] / base["p95_ms"]
    t = scenario.targets
    checks = {
        "p95_ms": {
            "label": f"API p95 ≤ {t['p95_ms']:g} ms",
            "actual": api["p95_ms"],
            "shown": f"{api['p95_ms']:.2f} ms",
            "target": t["p95_ms"],
            "met": api["p95_ms"] <= t["p95_ms"],
            "enforced": not tiny,
        },
        "ratio_p95": {
            "label": f"API p95 ≤ {t['ratio']:g} × raw-SQL p95",
            "actual": round(ratio_p95, 2),
            "shown": f"{ratio_p95:.2f}×",
            "target": t["ratio"],
            "met": ratio_p95 <= t["ratio"],
            "enforced": not tiny,
        },
        "queries": {
            "label": f"API queries ≤ {t['max_queries']}",
            "actual": api["queries"],
            "shown": str(api["queries"]),
            "target": t["max_queries"],
            "met": api["queries"] <= t["max_queries"],
            "enforced": True,
        },
    }
    if result.get("variant_queries"):
        counts = {"measured": api["queries"], **result["variant_queries"]}
        constant = len(set(counts.values())) == 1
        checks["queries_constant"] = {
            "label": "same query count at other page sizes/pages",
            "actual": counts,
            "shown": "/".join(str(v) for v in counts.values()),
            "target": "equal",
            "met": constant,
            "enforced": True,
        }
    result["ratio_p50"] = round(ratio_p50, 2)
    result["ratio_p95"] = round(ratio_p95, 2)
    result["targets"] = checks
    result["met"] = all(c["met"] for c in checks.values() if c["enforced"])
    return result


def _verdict(check):
    if check["met"]:
        return "met"
    return "MISSED" if check["enforced"] else "missed (not enforced at tiny size)"


def markdown(report):
    r = report["result"]
    api, base = r["api"], r["baseline"]
    m = report["machine"]
    lines = [
        f"# {report['title']}",
        "",
        f"Run {report['date']} on {m['host']} ({m['cpu']}, {m['cpus']} CPUs, {m['memory_gb']} GB; "
        f"{m['postgresql']}, shared_buffers {m['postgresql_settings']['shared_buffers']}; "
        f"Python {m['python']}, Django {m['django']}), database `{report['database']}`"
        f"{' (tiny)' if report['tiny'] else ''}; load average {report['load_average']} at the start.",
        "",
        describe_data(report),
        "",
        f"n = {api['n']} timed requests per side after {report['warmup']} warm-up rounds, API and baseline "
        "alternating. API: django.test.Client with `Authorization: Token …` (full middleware, DRF, JSON "
        f"rendering; no network). Baseline: psycopg 3 on one persistent connection, {base['queries']} statements, "
        "byte-identical JSON from json.dumps.",
        "",
        "| | n | p50 ms | p95 ms | min ms | max ms | queries |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| API | {api['n']} | {api['p50_ms']:.2f} | {api['p95_ms']:.2f} | "
        f"{api['min_ms']:.2f} | {api['max_ms']:.2f} | {api['queries']} |",
        f"| raw SQL baseline | {base['n']} | {base['p50_ms']:.2f} | {base['p95_ms']:.2f} | "
        f"{base['min_ms']:.2f} | {base['max_ms']:.2f} | {base['queries']} |",
        f"| ratio API / baseline | | {r['ratio_p50']:.2f}× | {r['ratio_p95']:.2f}× | | | |",
        "",
        "| target | actual | result |",
        "|---|---:|---|",
        *[f"| {c['label']} | {c['shown']} | {_verdict(c)} |" for c in r["targets"].values()],
        "",
        "API queries:",
        "",
        *[f"{i}. `{sql}`" for i, sql in enumerate(r["sql"], 1)],
        "",
    ]
    if r.get("variant_queries"):
        lines += ["Queries of the same list at other sizes: "
                  + ", ".join(f"{k}: {v}" for k, v in r["variant_queries"].items()), ""]
    if report.get("plans"):
        lines += ["Plans (EXPLAIN ANALYZE, BUFFERS) of the statements on the measured table:", ""]
        for p in report["plans"]:
            lines += ["```", *p["plan"], "```", ""]
    return "\n".join(lines)


def describe_data(report):
    d = report["data"]
    if report.get("data_set") == "applications":
        states = ", ".join(f"{k} {v:,}" for k, v in sorted(d["by_state"].items(), key=lambda kv: -kv[1]))
        return (
            f"Data: {d['applications']:,} applications ({d['submitted']:,} submitted) of {d['enterprises']:,} "
            f"enterprises in {d['counties_with_applications']} counties, {d['batches']} batches; by state: {states}; "
            f"application table with indexes {d['application_table_mb']} MB."
        )
    return (
        f"Data: {d['notifications']:,} notifications ({d['unread']:,} unread) for {d['users']:,} users, "
        f"{d['deliveries']:,} delivery records; the measured user's inbox holds {d['bench_user_inbox']:,} "
        f"({d['bench_user_unread']:,} unread); notifications table with indexes {d['notification_table_mb']} MB."
    )


def print_summary(report):
    r = report["result"]
    api, base = r["api"], r["baseline"]
    d = report["data"]
    if report.get("data_set") == "applications":
        print(f"\n{report['title']}  [{d['applications']:,} applications]")
    else:
        print(f"\n{report['title']}  [{d['notifications']:,} notifications, inbox {d['bench_user_inbox']:,}]")
    print(
        f"  API       p50 {api['p50_ms']:7.2f} ms   p95 {api['p95_ms']:7.2f} ms   queries {api['queries']}   n={api['n']}"
    )
    print(f"  raw SQL   p50 {base['p50_ms']:7.2f} ms   p95 {base['p95_ms']:7.2f} ms   queries {base['queries']}")
    print(f"  ratio     p50 {r['ratio_p50']:6.2f}×     p95 {r['ratio_p95']:6.2f}×")
    for c in r["targets"].values():
        print(f"  target {c['label']:42s} actual {c['shown']:>9s}  {_verdict(c)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", help="scenario names (default: all)")
    parser.add_argument("--tiny", action="store_true", help=f"{gen.TINY_NOTIFICATIONS:,} notifications (CI smoke run)")
    parser.add_argument("--notifications", type=int, default=None, help="data set size (default 1,000,000)")
    parser.add_argument("--applications", type=int, default=None, help="application data set (default 100,000)")
    parser.add_argument("--submissions", type=int, default=None,
                        help="concurrent submissions (default 200; tiny 20)")
    parser.add_argument("--threads", type=int, default=None, help="client threads for submissions (default 50)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers for submissions (default 4)")
    parser.add_argument("-n", type=int, default=None, help="timed requests per side (default 500; tiny 100)")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up rounds (default 50; tiny 20)")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the data set even if it fits")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even when a target is missed")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the API side")
    parser.add_argument("--database-url", default=None, help="default: BENCH_DATABASE_URL or …/bench(_tiny)")
    parser.add_argument("--out", type=Path, default=None, help="results directory")
    args = parser.parse_args(argv)

    from bench.scenarios import SCENARIOS

    known = [*SCENARIOS, "submissions", *REVIEW_SCENARIOS, *CHILD_SCENARIOS]
    names = args.scenarios or known
    unknown = [s for s in names if s not in known]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(known)}")
    run_submissions = "submissions" in names
    review = [s for s in names if s in REVIEW_SCENARIOS]
    children = [s for s in names if s in CHILD_SCENARIOS]
    names = [s for s in names if s != "submissions" and s not in REVIEW_SCENARIOS and s not in CHILD_SCENARIOS]
    notifications = args.notifications or (gen.TINY_NOTIFICATIONS if args.tiny else 1_000_000)
    applications = args.applications or (gen.TINY_APPLICATIONS if args.tiny else 100_000)
    n = args.n or (100 if args.tiny else 500)
    warmup = args.warmup if args.warmup is not None else (20 if args.tiny else 50)
    out = args.out or (TINY_RESULTS_DIR if args.tiny else RESULTS_DIR)

    url = common.database_url(tiny=args.tiny, explicit=args.database_url)
    failed = False
    if names:
        failed |= run_list_scenarios(args, names, url, notifications, applications, n, warmup, out)
    if run_submissions:
        # In a child process: it sets Django up on its own database (…_submit) and runs gunicorn against it.
        command = [sys.executable, str(Path(__file__).resolve().parent / "submissions.py"), "--database-url",
                   common.submissions_url(url), "--out", str(out)]
        command += ["--tiny"] if args.tiny else []
        for flag, value in (("-n", args.submissions), ("--threads", args.threads), ("--workers", args.workers)):
            command += [flag, str(value)] if value else []
        print(f"\n$ {' '.join(command)}", flush=True)
        status = subprocess.run(command, check=False).returncode
        if status == 2:
            raise SystemExit(2)
        failed |= status != 0

    for name in review:
        # In a child process too: Django on the review database (…_review), generated by bench/review_data.py.
        from bench.review_data import review_url

        command = [sys.executable, str(Path(__file__).resolve().parent / REVIEW_SCENARIOS[name]), "--database-url",
                   review_url(url), "--out", str(out)]
        command += ["--tiny"] if args.tiny else []
        command += ["--regenerate"] if args.regenerate else []
        command += ["--no-fail"] if args.no_fail else []
        print(f"\n$ {' '.join(command)}", flush=True)
        status = subprocess.run(command, check=False).returncode
        failed |= status != 0

    for name in children:
        from bench.certificates import certificates_url
        from bench.insurance_recompute import insurance_url
        from bench.ocds_export import ocds_url

        # Each on its own database: …_certificates, …_insurance, …_ocds.
        own_url = {"certificates": certificates_url, "insurance_recompute": insurance_url,
                   "ocds_export": ocds_url}[name](url)
        command = [sys.executable, str(Path(__file__).resolve().parent / CHILD_SCENARIOS[name]), "--database-url",
                   own_url, "--out", str(out)]
        command += ["--tiny"] if args.tiny else []
        command += ["--no-fail"] if args.no_fail else []
        print(f"\n$ {' '.join(command)}", flush=True)
        status = subprocess.run(command, check=False).returncode
        failed |= status != 0

    if failed and not args.no_fail:
        print("\nFAILED: a target was missed (use --no-fail to report only)", file=sys.stderr)
        return 1
    return 0


def run_list_scenarios(args, names, url, notifications, applications, n, warmup, out):
    """The API-versus-baseline scenarios, in this process. Returns whether a target was missed."""
    from bench.scenarios import SCENARIOS

    db_name = common.ensure_database(url)
    common.setup_django(url)
    common.migrate()
    data_sets = {getattr(SCENARIOS[name], "data_set", "notifications") for name in names}
    data = ensure_data(url, notifications=notifications, applications=applications, data_sets=data_sets,
                       regenerate=args.regenerate)

    import psycopg

    load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
    failed = False
    with psycopg.connect(url, autocommit=True) as pg:
        info = machine(pg)
        for name in names:
            scenario = SCENARIOS[name](url, gen.BENCH_USERNAME)
            try:
                gc.collect()
                result = evaluate(scenario, run_scenario(scenario, n=n, warmup=warmup, profile=args.profile), args.tiny)
            finally:
                scenario.close()
            report = {
                "scenario": name,
                "title": scenario.title,
                "date": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
                "tiny": args.tiny,
                "database": db_name,
                "machine": info,
                "data_set": getattr(scenario, "data_set", "notifications"),
                "data": data[getattr(scenario, "data_set", "notifications")],
                "warmup": warmup,
                "load_average": load_average,
                "result": result,
                "plans": explain(pg, result["sql"], getattr(scenario, "explain_tables", ("notifications_notification",))),
            }
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            (out / f"{name}.md").write_text(markdown(report), encoding="utf-8")
            print_summary(report)
            print(f"  written {out / (name + '.json')} and {name}.md")
            failed |= not result["met"]
    return failed


if __name__ == "__main__":
    sys.exit(main())
