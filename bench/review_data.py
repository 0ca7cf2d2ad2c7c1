"""The expert-review data set (issue 4's benchmarks), written with bulk inserts, never through the services.

    .venv/bin/python bench/review_data.py                 # 5,000 + 5,000 applications, 500 experts in bench_review
    .venv/bin/python bench/review_data.py --tiny          # 200 + 200 applications, 60 experts in bench_tiny_review

It works in its own database: the list benchmark's name + "_review" (`bench_review`, `bench_tiny_review`), which
it empties (TRUNCATE … CASCADE) before writing. Three batches, all closed:

- "assign": N applications through formal review (state passed) and a review round in set-up, 5 experts per
  application: what `auto_assign` fills (bench/review_assign.py);
- "rank": N applications in expert review with a started round, one panel per field, the default rubric, and
  5 accepted assignments each with a submitted sheet (N × 5 sheets): what `results.ranking` reads
  (bench/review_ranking.py);
- "small": 20 applications × 5 sheets in the same shape, to show the ranking's query count does not grow.

The pool: E experts with one or two of the ten fields (one field, "agriculture", has only 3 experts: its
applications are reported short), 10 % employed by applicant enterprises, the rest by 60 institutes, and
D declared conflicts (expert, applicant enterprise; 300 at full size).
"""

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

FULL = {"applications": 5_000, "experts": 500, "conflicts": 300, "sheets": 5}
TINY = {"applications": 200, "experts": 60, "conflicts": 20, "sheets": 5}
SMALL_ROUND = 20  # applications of the "small" round
RARE_FIELD = "agriculture"
RARE_EXPERTS = 3
STAFF = "rv_prov"
VOTES = ["international", "domestic", "provincial", "none"]


def review_url(url):
    """The review benchmarks' own database: the list benchmark's name + "_review"."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + (parts.path.strip("/") or "bench") + "_review"))


def signature(sizes):
    return f"apps={sizes['applications']} experts={sizes['experts']} conflicts={sizes['conflicts']} " \
           f"sheets={sizes['sheets']}"


def _log(message, started):
    print(f"  {message} ({time.monotonic() - started:.1f} s)", flush=True)


def _reset(url):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        # This database belongs to the review benchmarks alone. TRUNCATE also empties the append-only audit table
        # (its trigger is a row trigger).
        conn.execute(
            "TRUNCATE accounts_user, accounts_organisation, certification_batch, certification_application, "
            "review_reviewround, review_assignment, review_scoresheet, review_expertconflict, review_proposal, "
            "audit_auditevent, notifications_notification RESTART IDENTITY CASCADE"
        )


def current(url):
    """The data set's signature and ids, or None when there is none."""
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT name FROM certification_batch WHERE name LIKE 'review-bench assign %%'").fetchone()
        if not row:
            return None
        return row[0].removeprefix("review-bench assign ")


def generate(url, sizes, seed=20261201):
    """Fill the review database (Django set up on it). Returns a summary of row counts."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from accounts.demo_data import uscc
    from accounts.fields import FIELD_CODES
    from accounts.models import ExpertProfile, Membership, Organisation, Region, User
    from certification.models import Application, Batch
    from review.models import Assignment, Criterion, ExpertConflict, Panel, ReviewRound, ScoreSheet
    from review.scoring import sheet_total
    from review.services.rounds import DEFAULT_CRITERIA

    started = time.monotonic()
    rng = random.Random(seed)
    n_apps, n_experts = sizes["applications"], sizes["experts"]
    print(f"generating the review data set ({signature(sizes)}) in {common.database_name(url)}", flush=True)
    _reset(url)
    now = datetime.now(UTC).replace(microsecond=0)
    password = make_password("Bench-pass-2026")
    regions = list(Region.objects.select_related("parent"))
    province = next(r for r in regions if r.level == "province")
    counties = [r for r in regions if r.level == "county"]

    n_enterprises = max(20, n_apps // 3)
    orgs = [Organisation(kind="bureau", bureau_level="province", department="industry", name="浙江省经济和信息化厅",
                         uscc=uscc("11", "330000", 1), region=province, status="approved")]
    orgs += [Organisation(kind="enterprise", name=f"评审基准{i:05d}装备有限公司", uscc=uscc("91", c.code, 200_000 + i),
                          region=c, status="approved")
             for i, c in enumerate(rng.choices(counties, k=n_enterprises), 1)]
    orgs += [Organisation(kind="other", name=f"评审基准研究院{i:02d}", uscc=uscc("12", "330100", 300_000 + i),
                          region=province, status="approved") for i in range(1, 61)]
    Organisation.objects.bulk_create(orgs, batch_size=5_000)
    orgs = list(Organisation.objects.select_related("region").order_by("id"))
    province_org = orgs[0]
    enterprises = [o for o in orgs if o.kind == "enterprise"]
    institutes = [o for o in orgs if o.kind == "other"]

    users = [User(username=STAFF, email=f"{STAFF}@example.com", display_name="省经信厅评审基准", password=password,
                  email_verified_at=now)]
    users += [User(username=f"rv_e{i:04d}", email=f"rv_e{i:04d}@example.com", display_name=f"专家{i}",
                   password=password, email_verified_at=now) for i in range(1, n_experts + 1)]
    User.objects.bulk_create(users, batch_size=5_000)
    staff = User.objects.get(username=STAFF)
    Membership.objects.create(user=staff, organisation=province_org, role="province_staff", is_admin=True)
    Token.objects.create(user=staff)
    expert_users = list(User.objects.filter(username__startswith="rv_e").order_by("id"))
    common_fields = [f for f in FIELD_CODES if f != RARE_FIELD]
    profiles = []
    for i, u in enumerate(expert_users):
        fields = sorted(set(rng.sample(common_fields, rng.choice([1, 1, 2]))))
        if i < RARE_EXPERTS:
            fields = [RARE_FIELD]
        employer = rng.choice(enterprises) if rng.random() < 0.10 else rng.choice(institutes)
        profiles.append(ExpertProfile(user=u, fields=fields, title="正高级工程师", employer=employer,
                                      region=rng.choice(counties)))
    ExpertProfile.objects.bulk_create(profiles, batch_size=5_000)
    _log(f"{len(enterprises):,} enterprises, {n_experts:,} experts (bulk_create)", started)

    conflicts, seen = [], set()
    while len(conflicts) < sizes["conflicts"]:
        e, org = rng.choice(expert_users), rng.choice(enterprises)
        if (e.pk, org.pk) not in seen:
            seen.add((e.pk, org.pk))
            conflicts.append(ExpertConflict(expert=e, organisation=org, reason="曾为该企业提供咨询", created_by=staff))
    ExpertConflict.objects.bulk_create(conflicts, batch_size=5_000)

    def batch(kind, year):
        opens = now - timedelta(days=120)
        return Batch(year=year, name=f"review-bench {kind} {signature(sizes)}" if kind == "assign" else
                     f"review-bench {kind}", opens_at=opens, closes_at=opens + timedelta(days=30),
                     recommend_deadline=opens + timedelta(days=60), state="closed", created_by=staff,
                     published_at=opens)

    batches = {kind: batch(kind, year) for kind, year in (("assign", 2026), ("rank", 2025), ("small", 2024))}
    Batch.objects.bulk_create(batches.values())
    batches = {b.name.split()[1]: b for b in Batch.objects.filter(name__startswith="review-bench")}
    field_weights = [1 if f == RARE_FIELD else 10 for f in FIELD_CODES]

    def applications(b, n, state):
        out = []
        for i in range(1, n + 1):
            ent = rng.choice(enterprises)
            out.append(Application(
                batch=b, enterprise=ent, region_id=ent.region_id, city_id=ent.region.parent_id,
                number=f"{b.year}-{i:05d}", state=state, county_step=True, product_name=f"基准产品{b.year}{i:05d}",
                model_spec=f"RB-{i:05d}", category="equipment", equipment_form="complete",
                declared_level=rng.choice(["international", "domestic", "domestic", "provincial"]),
                field=rng.choices(FIELD_CODES, field_weights)[0], created_by=staff,
                submitted_at=now - timedelta(days=100), commitment_confirmed_at=now - timedelta(days=100),
            ))
        Application.objects.bulk_create(out, batch_size=5_000)
        return list(Application.objects.filter(batch=b).order_by("id").values_list("id", "enterprise_id", "field"))

    applications(batches["assign"], n_apps, "passed")
    rank_apps = applications(batches["rank"], n_apps, "expert_review")
    small_apps = applications(batches["small"], SMALL_ROUND, "expert_review")
    _log(f"{2 * n_apps + SMALL_ROUND:,} applications (bulk_create)", started)

    deadline = now + timedelta(days=14)
    rounds = {kind: ReviewRound(batch=batches[kind], deadline=deadline, created_by=staff,
                                state="setup" if kind == "assign" else "started",
                                started_at=None if kind == "assign" else now - timedelta(days=7))
              for kind in ("assign", "rank", "small")}
    ReviewRound.objects.bulk_create(rounds.values())
    criteria, panels = [], []
    for rr in rounds.values():
        criteria += [Criterion(round=rr, name=n, description=d, max_points=m, weight=1, position=i)
                     for i, (n, d, m) in enumerate(DEFAULT_CRITERIA)]
        panels += [Panel(round=rr, name=f"{f}组", fields=[f], position=i) for i, f in enumerate(FIELD_CODES)]
    Criterion.objects.bulk_create(criteria)
    Panel.objects.bulk_create(panels)
    crit_of = {}
    for c in Criterion.objects.all():
        crit_of.setdefault(c.round_id, []).append(c)

    employer = {p.user_id: p.employer_id for p in profiles}
    conflict_pairs = {(c.expert_id, c.organisation_id) for c in conflicts}
    in_field = {}
    for p in profiles:
        for f in p.fields:
            in_field.setdefault(f, []).append(p.user_id)
    all_ids = [u.pk for u in expert_users]

    def scored(rr, apps):
        """Five accepted assignments per application (experts of its field where there are enough, never the
        applicant's employee or a declared conflict), each with a submitted sheet."""
        assignments = []
        for app_id, ent_id, field in apps:
            pool = in_field.get(field, [])
            pool = pool if len(pool) >= 3 * sizes["sheets"] else all_ids
            chosen = set()
            while len(chosen) < sizes["sheets"]:
                e = rng.choice(pool)
                if employer[e] != ent_id and (e, ent_id) not in conflict_pairs:
                    chosen.add(e)
            assignments += [Assignment(round=rr, application_id=app_id, expert_id=e, state="accepted",
                                       created_by=staff, declared_at=now - timedelta(days=6)) for e in sorted(chosen)]
        Assignment.objects.bulk_create(assignments, batch_size=5_000)
        crits = crit_of[rr.pk]
        sheets = []
        for a in assignments:
            scores = {str(c.id): Decimal(rng.randrange(int(c.max_points * 4), int(c.max_points * 10) + 1)) / 10
                      for c in crits}
            total = sheet_total({int(k): v for k, v in scores.items()}, crits)
            sheets.append(ScoreSheet(
                assignment=a, application_id=a.application_id, state="submitted",
                scores={k: str(v) for k, v in scores.items()}, level_vote=rng.choice(VOTES),
                comment="技术指标先进，应用前景良好。", total=total,
                submitted_at=now - timedelta(days=rng.randrange(1, 6)),
            ))
        ScoreSheet.objects.bulk_create(sheets, batch_size=5_000)
        return len(sheets)

    n_sheets = scored(rounds["rank"], rank_apps)
    n_small = scored(rounds["small"], small_apps)
    _log(f"{n_sheets + n_small:,} accepted assignments and submitted sheets (bulk_create)", started)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _log("ANALYZE", started)
    return counts(url) | {"generated_seconds": round(time.monotonic() - started, 1)}


def counts(url):
    import psycopg

    with psycopg.connect(url) as conn:
        one = lambda q: conn.execute(q).fetchone()[0]  # noqa: E731
        by_batch = dict(conn.execute(
            "SELECT split_part(b.name, ' ', 2), count(a.id) FROM certification_batch b "
            "LEFT JOIN certification_application a ON a.batch_id = b.id GROUP BY 1").fetchall())
        return {
            "assign_applications": by_batch.get("assign", 0),
            "rank_applications": by_batch.get("rank", 0),
            "small_applications": by_batch.get("small", 0),
            "experts": one("SELECT count(*) FROM accounts_expertprofile"),
            "experts_employed_by_applicants": one(
                "SELECT count(*) FROM accounts_expertprofile p JOIN accounts_organisation o ON o.id = p.employer_id "
                "WHERE o.kind = 'enterprise'"),
            "declared_conflicts": one("SELECT count(*) FROM review_expertconflict"),
            "submitted_sheets": one("SELECT count(*) FROM review_scoresheet WHERE state = 'submitted'"),
        }


def ensure(url, sizes, regenerate=False):
    """Set Django up on the review database, migrate, and (re)generate the data set when it does not fit."""
    common.ensure_database(url)
    common.setup_django(url)
    common.migrate()
    if regenerate or current(url) != signature(sizes):
        return generate(url, sizes)
    return counts(url)


def sizes_from(args):
    base = dict(TINY if args.tiny else FULL)
    for key in ("applications", "experts", "conflicts"):
        if getattr(args, key, None):
            base[key] = getattr(args, key)
    return base


def add_arguments(parser):
    parser.add_argument("--tiny", action="store_true", help="200 applications, 60 experts (CI)")
    parser.add_argument("--applications", type=int, default=None, help="applications per round (default 5,000)")
    parser.add_argument("--experts", type=int, default=None, help="experts in the pool (default 500)")
    parser.add_argument("--conflicts", type=int, default=None, help="declared conflicts (default 300)")
    parser.add_argument("--regenerate", action="store_true", help="regenerate even if the data set fits")
    parser.add_argument("--database-url", default=None,
                        help="default: BENCH_DATABASE_URL or …/bench(_tiny), + _review")


def url_from(args):
    explicit = args.database_url
    if explicit:
        return explicit
    return review_url(common.database_url(tiny=args.tiny))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    args = parser.parse_args(argv)
    summary = ensure(url_from(args), sizes_from(args), regenerate=True)
    for key, value in summary.items():
        print(f"  {key}: {value:,}" if isinstance(value, int) else f"  {key}: {value}")


if __name__ == "__main__":
    main()
