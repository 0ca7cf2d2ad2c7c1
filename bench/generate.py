"""Benchmark data generator: many users and notifications, fast (bulk inserts; COPY for notifications).

    .venv/bin/python bench/generate.py --notifications 1000000        # into database `bench`
    .venv/bin/python bench/generate.py --tiny                          # 2,000 into `bench_tiny`
    .venv/bin/python bench/generate.py --data applications --applications 100000   # only the applications

It empties the benchmark database's users and notifications first, then writes:
- users (bulk_create with one pre-computed password hash), ~1 per 50 notifications (20,000 for 1,000,000),
  including one heavy user `bench` with an API token;
- notifications (COPY via psycopg 3's cursor.copy) over the last 365 days in time order, so that each
  user's rows are spread over the table as they are in production; `bench` gets 1 % of them (10,000 of
  1,000,000); about half of the last 30 days' notifications are unread and 2 % of older ones;
- their delivery records (in-app and e-mail, almost all sent), written server-side with INSERT … SELECT;
- then VACUUM (ANALYZE): statistics and the visibility map as autovacuum would leave them.

The application data set (issue 3; `--data applications` alone leaves the notifications in place) removes
the previous one (certification tables, organisations, the `apps_…` users), then writes bureaus for the
province, the 11 cities and all 90 counties, enterprises spread unevenly over the 90 counties with one user
each (bulk_create), five yearly batches (2022–2025 closed, 2026 open) with quotas, and the applications
(COPY): closed batches in final states, the open one in every state of the intake stage, numbered per batch
in submission order. Province staff `apps_prov` and Hangzhou city staff `apps_city` get API tokens.
"""

import argparse
import json
import random
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from psycopg import sql

from bench import common

BENCH_USERNAME = "bench"
TINY_NOTIFICATIONS = 2_000

KINDS = [
    ("system.message", 40),
    ("org.review_requested", 25),
    ("org.approved", 20),
    ("org.rejected", 5),
    ("account.verify_email", 10),
]
SUBJECTS = {
    "system.message": ["第{n}号申报材料已受理", "关于第{n}批首台（套）认定工作的通知", "专家评审结果已发布（{n}）"],
    "org.review_requested": ["有新的单位注册待审核（{n}）", "企业注册申请待您审核：编号{n}"],
    "org.approved": ["您的单位注册已审核通过（{n}）"],
    "org.rejected": ["您的单位注册未通过审核（{n}）"],
    "account.verify_email": ["请验证您的邮箱地址（{n}）"],
}
BODY = (
    "尊敬的用户：您好！{subject}。请登录浙江省首台（套）认定管理系统查看详情，并在规定期限内完成相关操作。"
    "如有疑问，请联系所在地经信部门。本通知由系统自动发送，请勿直接回复。编号：{n}。"
)


def sizes(notifications, users=None, bench_inbox=None):
    users = users or max(20, notifications // 50)
    bench_inbox = bench_inbox or min(notifications, max(100, notifications // 100))
    return users, bench_inbox


def _log(message, started):
    print(f"  {message} ({time.monotonic() - started:.1f} s)", flush=True)


def _empty_tables(cursor):
    # CASCADE also empties what references users (memberships, tokens …): this is the benchmark's own database.
    cursor.execute(
        "TRUNCATE accounts_user, notifications_notification, notifications_delivery, "
        "notifications_emailpreference, authtoken_token RESTART IDENTITY CASCADE"
    )


def _create_users(n_users, now):
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    password = make_password("Bench-pass-2026")  # hashed once: argon2 per user would dominate the run
    users = [
        User(
            username=BENCH_USERNAME,
            email="bench@example.com",
            display_name="基准测试用户",
            password=password,
            date_joined=now - timedelta(days=400),
            email_verified_at=now - timedelta(days=400),
        )
    ]
    users += [
        User(
            username=f"user{i:06d}",
            email=f"user{i:06d}@example.com",
            display_name=f"用户{i}",
            password=password,
            date_joined=now - timedelta(days=400),
            email_verified_at=now - timedelta(days=400),
        )
        for i in range(1, n_users)
    ]
    User.objects.bulk_create(users, batch_size=5_000)
    ids = list(User.objects.order_by("id").values_list("id", flat=True))
    bench = User.objects.get(username=BENCH_USERNAME)
    token = Token.objects.create(user=bench)
    return bench.pk, [i for i in ids if i != bench.pk], token.key


def _notification_lines(n, bench_id, other_ids, bench_inbox, now, rng, chunk=20_000):
    """COPY text-format lines, in created_at order, recipients interleaved the way they arrive in production.

    Yields chunks of lines as bytes (formatting the text here is several times faster than write_row per row).
    The generated strings contain no tab, newline or backslash, so they need no COPY escaping.
    """
    start = now - timedelta(days=365)
    step = timedelta(days=365) / n
    recent = now - timedelta(days=30)
    bench_positions = set(rng.sample(range(n), bench_inbox))
    kinds = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS], k=n)
    recipients = rng.choices(other_ids, k=n)
    lines = []
    for i in range(n):
        created = start + step * i
        kind = kinds[i]
        number = rng.randrange(100_000, 999_999)
        subject = rng.choice(SUBJECTS[kind]).format(n=number)
        link = f"/applications/{number}/" if kind == "system.message" else "/organisation/"
        if rng.random() < (0.5 if created >= recent else 0.02):
            read_at = r"\N"
        else:
            read_at = min(created + timedelta(minutes=rng.expovariate(1 / 600)), now).isoformat()
        recipient = bench_id if i in bench_positions else recipients[i]
        body = BODY.format(subject=subject, n=number)
        lines.append(f"{recipient}\t{kind}\t{subject}\t{body}\t{link}\t{created.isoformat()}\t{read_at}\n")
        if len(lines) == chunk:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


def _skip_foreign_key_checks(conn):
    """The generated rows reference existing users and notifications by construction: as a superuser, skip
    the per-row foreign-key triggers for this session (what pg_restore --disable-triggers does)."""
    try:
        conn.execute("SET session_replication_role = replica")
        conn.commit()
    except psycopg.errors.InsufficientPrivilege:
        conn.rollback()


@contextmanager
def _secondary_indexes_dropped(conn, tables):
    """Drop the tables' indexes that back no constraint, and recreate them (same names and definitions) after
    the load: building an index once is several times faster than maintaining it row by row."""
    saved = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conindid <> 0)",
        [list(tables)],
    ).fetchall()
    for name, _definition in saved:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in saved:
            conn.execute(definition)
        conn.commit()


def generate(*, url, notifications, users=None, bench_inbox=None, deliveries=True, seed=20261129):
    """Fill the benchmark database (Django must already be set up on it). Returns a summary dict."""
    n_users, bench_inbox = sizes(notifications, users, bench_inbox)
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.monotonic()
    print(
        f"generating {notifications:,} notifications for {n_users:,} users "
        f"({bench_inbox:,} for '{BENCH_USERNAME}') in {common.database_name(url)}",
        flush=True,
    )

    with psycopg.connect(url, autocommit=True) as conn:
        _empty_tables(conn.cursor())
    _log("emptied users and notifications", started)

    bench_id, other_ids, _token = _create_users(n_users, now)
    _log(f"{n_users:,} users (bulk_create)", started)

    tables = ["notifications_notification"] + (["notifications_delivery"] if deliveries else [])
    with psycopg.connect(url) as conn:
        _skip_foreign_key_checks(conn)
        conn.execute("SET synchronous_commit = off")
        with _secondary_indexes_dropped(conn, tables):
            with conn.cursor() as cursor:
                with cursor.copy(
                    "COPY notifications_notification (recipient_id, kind, subject, body, link, created_at, read_at) "
                    "FROM STDIN"
                ) as copy:
                    for data in _notification_lines(notifications, bench_id, other_ids, bench_inbox, now, rng):
                        copy.write(data)
            conn.commit()
            _log(f"{notifications:,} notifications (COPY)", started)

            if deliveries:
                conn.execute(
                    "INSERT INTO notifications_delivery "
                    "(notification_id, channel, status, attempts, last_error, next_attempt_at, claimed_at, sent_at) "
                    "SELECT id, 'in_app', 'sent', 0, '', NULL, NULL, created_at FROM notifications_notification"
                )
                conn.execute(
                    "INSERT INTO notifications_delivery "
                    "(notification_id, channel, status, attempts, last_error, next_attempt_at, claimed_at, sent_at) "
                    "SELECT id, 'email', CASE WHEN id % 25 = 0 THEN 'skipped' ELSE 'sent' END, "
                    "CASE WHEN id % 25 = 0 THEN 0 ELSE 1 END, CASE WHEN id % 25 = 0 THEN 'opted out' ELSE '' END, "
                    "NULL, NULL, CASE WHEN id % 25 = 0 THEN NULL ELSE created_at + interval '3 seconds' END "
                    "FROM notifications_notification"
                )
                conn.commit()
                _log(f"{2 * notifications:,} deliveries (INSERT … SELECT)", started)
        _log("indexes rebuilt", started)

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "VACUUM (ANALYZE) accounts_user, authtoken_token, notifications_notification, notifications_delivery"
        )
        summary = counts(conn, bench_id)
    _log("VACUUM (ANALYZE)", started)
    summary["generated_seconds"] = round(time.monotonic() - started, 1)
    return summary


def counts(conn, bench_id=None):
    """Row counts of the data set (conn: a psycopg connection to the benchmark database)."""
    if bench_id is None:
        row = conn.execute("SELECT id FROM accounts_user WHERE username = %s", [BENCH_USERNAME]).fetchone()
        bench_id = row[0] if row else None
    one = lambda query, *p: conn.execute(query, p).fetchone()[0]  # noqa: E731
    return {
        "users": one("SELECT count(*) FROM accounts_user"),
        "notifications": one("SELECT count(*) FROM notifications_notification"),
        "unread": one("SELECT count(*) FROM notifications_notification WHERE read_at IS NULL"),
        "deliveries": one("SELECT count(*) FROM notifications_delivery"),
        "bench_user_inbox": one("SELECT count(*) FROM notifications_notification WHERE recipient_id = %s", bench_id)
        if bench_id
        else 0,
        "bench_user_unread": one(
            "SELECT count(*) FROM notifications_notification WHERE recipient_id = %s AND read_at IS NULL", bench_id
        )
        if bench_id
        else 0,
        "notification_table_mb": round(one("SELECT pg_total_relation_size('notifications_notification')") / 2**20, 1),
    }


# --- applications (issue 3): the list benchmark's data set -------------------------------------------------

TINY_APPLICATIONS = 2_000
APPS_PREFIX = "apps_"  # usernames of the application data set's users: the reset removes exactly these
APPS_PROVINCE_USER = "apps_prov"  # province industry staff
APPS_CITY_USER = "apps_city"  # Hangzhou city industry staff
APPS_CITY_CODE = "3301"
APPS_YEARS = [2022, 2023, 2024, 2025, 2026]  # 2026 is the open batch; the others are closed
APPS_YEAR_WEIGHTS = [14, 16, 18, 22, 30]
# States of a closed batch's applications (later stages are not modelled yet) and of the open batch's.
APPS_CLOSED_STATES = [("passed", 50), ("declined", 28), ("rejected", 12), ("withdrawn", 8), ("returned", 2)]
APPS_OPEN_STATES = [("draft", 12), ("county_review", 20), ("city_review", 18), ("formal_review", 15),
                    ("returned", 8), ("passed", 12), ("declined", 7), ("rejected", 4), ("withdrawn", 4)]
APPS_CATEGORIES = [("equipment", 70), ("new_material", 18), ("software", 12)]
APPS_FORMS = ["complete", "set", "component"]
APPS_LEVELS = [("international", 15), ("domestic", 50), ("provincial", 35)]
APPS_FIELDS = ["vehicles", "ships", "pv_energy", "environment", "textile", "logistics", "agriculture", "medical",
               "robotics", "components"]
APPS_PRODUCTS = {
    "equipment": ["数控车铣复合加工中心", "工业机器人", "智能仓储物流系统", "伺服电机", "精密减速器", "无人机测绘系统",
                  "光伏组件自动化生产线", "垃圾焚烧烟气净化装置", "高速经编机", "智能插秧机", "血液透析机", "电动游艇"],
    "new_material": ["高性能碳纤维复合材料", "锂电池隔膜", "特种工程塑料", "高纯电子级氢氟酸", "光伏背板膜"],
    "software": ["工业互联网平台软件", "数控系统软件", "智能排产系统", "医疗影像分析软件", "港口调度系统软件"],
}
APPS_STAGE_OF = {"county_review": "county", "city_review": "city", "formal_review": "province"}
# A state reached past the city's recommendation (a quota slot used).
APPS_CITY_RECOMMENDED = {"formal_review", "passed", "rejected"}


def applications_sizes(applications):
    return {"applications": applications, "enterprises": max(50, applications // 5)}


def _reset_applications(conn):
    """Remove the application data set: certification rows, organisations (with what references them:
    memberships, audit events, expert profiles) and the data set's own users. The notification data set
    (its users and notifications) is left alone."""
    conn.execute(
        "TRUNCATE certification_decision, certification_applicationrevision, certification_attachment, "
        "certification_application, certification_batchquota, certification_batch, accounts_membership, "
        "accounts_organisation RESTART IDENTITY CASCADE"
    )
    users = "SELECT id FROM accounts_user WHERE username LIKE 'apps\\_%%'"
    conn.execute(f"DELETE FROM notifications_delivery WHERE notification_id IN "
                 f"(SELECT id FROM notifications_notification WHERE recipient_id IN ({users}))")
    conn.execute(f"DELETE FROM notifications_notification WHERE recipient_id IN ({users})")
    for table in ("authtoken_token", "notifications_emailpreference", "accounts_user_groups",
                  "accounts_user_user_permissions"):
        conn.execute(f"DELETE FROM {table} WHERE user_id IN ({users})")
    conn.execute("DELETE FROM accounts_user WHERE username LIKE 'apps\\_%%'")


def _apps_staff_and_enterprises(n_enterprises, rng, now):
    """Bureaus for the province, every city and every county (each with a staff user where measured), the
    enterprises spread over the 90 counties (some counties much busier than others), one user each."""
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token

    from accounts.demo_data import uscc
    from accounts.models import Membership, Organisation, Region, User

    password = make_password("Bench-pass-2026")
    regions = list(Region.objects.select_related("parent"))
    province = next(r for r in regions if r.level == "province")
    cities = [r for r in regions if r.level == "city"]
    counties = [r for r in regions if r.level == "county"]
    orgs = [Organisation(kind="bureau", bureau_level="province", department="industry", name="浙江省经济和信息化厅",
                         uscc=uscc("11", "330000", 1), region=province, status="approved")]
    orgs += [Organisation(kind="bureau", bureau_level="city", department="industry", name=f"{c.name}经济和信息化局",
                          uscc=uscc("11", c.code + "00", 1), region=c, status="approved") for c in cities]
    orgs += [Organisation(kind="bureau", bureau_level="county", department="industry",
                          name=f"{c.parent.name}{c.name}经济和信息化局", uscc=uscc("11", c.code, 1), region=c,
                          status="approved") for c in counties]
    weights = [rng.choice([1, 2, 3, 5, 8, 13]) for _ in counties]
    homes = rng.choices(counties, weights, k=n_enterprises)
    orgs += [Organisation(kind="enterprise", name=f"浙江基准测试{i:06d}科技有限公司", uscc=uscc("91", home.code, 100_000 + i),
                          region=home, status="approved", contact_name="联系人", contact_phone="0571-88888888")
             for i, home in enumerate(homes, 1)]
    Organisation.objects.bulk_create(orgs, batch_size=5_000)
    orgs = list(Organisation.objects.select_related("region").order_by("id"))
    bureaus = {(o.bureau_level, o.region_id): o for o in orgs if o.kind == "bureau"}
    enterprises = [o for o in orgs if o.kind == "enterprise"]

    def user(name, display):
        return User(username=name, email=f"{name}@example.com", display_name=display, password=password,
                    date_joined=now - timedelta(days=1500), email_verified_at=now - timedelta(days=1500))

    city = next(c for c in cities if c.code == APPS_CITY_CODE)
    users = [user(APPS_PROVINCE_USER, "省经信厅基准测试"), user(APPS_CITY_USER, "杭州市经信局基准测试")]
    users += [user(f"{APPS_PREFIX}e{i:06d}", f"企业申报员{i}") for i in range(1, len(enterprises) + 1)]
    User.objects.bulk_create(users, batch_size=5_000)
    by_name = dict(User.objects.filter(username__startswith=APPS_PREFIX).values_list("username", "id"))
    memberships = [
        Membership(user_id=by_name[APPS_PROVINCE_USER], organisation=bureaus[("province", province.pk)],
                   role="province_staff", is_admin=True),
        Membership(user_id=by_name[APPS_CITY_USER], organisation=bureaus[("city", city.pk)], role="city_staff",
                   is_admin=True),
    ]
    memberships += [Membership(user_id=by_name[f"{APPS_PREFIX}e{i:06d}"], organisation=e, role="enterprise",
                               is_admin=True) for i, e in enumerate(enterprises, 1)]
    Membership.objects.bulk_create(memberships, batch_size=5_000)
    for name in (APPS_PROVINCE_USER, APPS_CITY_USER):
        Token.objects.create(user_id=by_name[name])
    owners = {e.pk: by_name[f"{APPS_PREFIX}e{i:06d}"] for i, e in enumerate(enterprises, 1)}
    return by_name[APPS_PROVINCE_USER], cities, enterprises, owners


def _apps_batches(prov_user_id, cities, now):
    from certification.models import Batch, BatchQuota

    batches = []
    for year in APPS_YEARS:
        if year == APPS_YEARS[-1]:
            opens = now - timedelta(days=30)
            state = "open"
        else:
            opens = datetime(year, 3, 1, 1, 0, tzinfo=UTC)
            state = "closed"
        batches.append(Batch(year=year, name=f"{year}年度浙江省首台（套）产品认定", opens_at=opens,
                             closes_at=opens + timedelta(days=60), recommend_deadline=opens + timedelta(days=90),
                             state=state, created_by_id=prov_user_id, published_at=opens))
    Batch.objects.bulk_create(batches)
    batches = list(Batch.objects.order_by("year"))
    BatchQuota.objects.bulk_create([BatchQuota(batch=b, city=c, quota=400) for b in batches for c in cities])
    return batches


def _application_lines(n, batches, enterprises, owners, now, rng, chunk=10_000):
    """COPY text lines for certification_application. Strings hold no tab, newline or backslash."""
    per_batch = rng.choices(range(len(batches)), APPS_YEAR_WEIGHTS, k=n)
    per_batch.sort()  # rows arrive batch by batch, as they do over the years
    seq = {b.pk: 0 for b in batches}
    lines = []
    model_no = 0
    for i in range(n):
        batch = batches[per_batch[i]]
        is_open = batch.state == "open"
        states = APPS_OPEN_STATES if is_open else APPS_CLOSED_STATES
        state = rng.choices([s for s, _ in states], [w for _, w in states])[0]
        if state == "withdrawn" and is_open and rng.random() < 0.3:
            submitted = None  # withdrawn before it was ever submitted
        else:
            submitted = None if state == "draft" else 1
        ent = rng.choice(enterprises)
        category = rng.choices([c for c, _ in APPS_CATEGORIES], [w for _, w in APPS_CATEGORIES])[0]
        level = rng.choices([c for c, _ in APPS_LEVELS], [w for _, w in APPS_LEVELS])[0]
        field = rng.choice(APPS_FIELDS)
        form = rng.choice(APPS_FORMS) if category == "equipment" else ""
        product = rng.choice(APPS_PRODUCTS[category])
        model_no += 1
        model = f"BM-{model_no:06d}"
        window = min(batch.closes_at, now) - batch.opens_at
        created = batch.opens_at + window * rng.random() * 0.7
        submitted_at = created + timedelta(hours=rng.uniform(1, 24 * 10)) if submitted else None
        if submitted_at and submitted_at > now:
            submitted_at = now - timedelta(minutes=rng.randrange(1, 600))
        number = ""
        if submitted_at:
            seq[batch.pk] += 1
            number = f"{batch.year}-{seq[batch.pk]:05d}"
        recommended = (submitted_at + timedelta(days=rng.uniform(2, 20))) if state in APPS_CITY_RECOMMENDED else None
        if recommended and recommended > now:
            recommended = now - timedelta(minutes=rng.randrange(1, 600))
        updated = max(x for x in (created, submitted_at, recommended) if x is not None)
        updated = min(updated + timedelta(hours=rng.uniform(0, 72)), now)
        returned_stage = rng.choice(["county", "city", "province"]) if state == "returned" else ""
        price = rng.randrange(200_000, 60_000_000)
        sold = (created - timedelta(days=rng.randrange(30, 600))).date()
        indicators = [
            {"indicator": f"关键指标{k}", "our_value": f"{rng.randrange(50, 99)}%", "domestic_best":
             f"{rng.randrange(40, 90)}%", "foreign_best": f"{rng.randrange(45, 99)}%", "source": f"检测报告 {number or model}"}
            for k in range(1, rng.randrange(2, 5))
        ]
        ip = [{"kind": "发明专利", "number": f"ZL2023{rng.randrange(10**7, 10**8)}.{rng.randrange(10)}",
               "title": f"一种{product}的控制方法"}]
        iso = lambda dt: dt.isoformat() if dt else r"\N"  # noqa: E731
        row = [
            batch.pk, ent.pk, ent.region_id, ent.region.parent_id, number, state, returned_stage, "t",
            product, model, category, form, level, field,
            f"{product}关键技术自主可控，主要性能指标达到国内领先水平，实现进口替代；已获发明专利授权，在用户现场稳定运行。",
            json.dumps(indicators, ensure_ascii=False), json.dumps(ip, ensure_ascii=False),
            f"HT-{batch.year}-{model_no:06d}", sold.isoformat(), f"{price}.00", "浙江某制造有限公司",
            iso(created), owners[ent.pk], iso(created), iso(updated), iso(submitted_at), iso(recommended),
        ]
        lines.append("\t".join(str(v) for v in row) + "\n")
        if len(lines) == chunk:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


APPS_COLUMNS = (
    "batch_id, enterprise_id, region_id, city_id, number, state, returned_stage, county_step, product_name, "
    "model_spec, category, equipment_form, declared_level, field, innovation_points, indicators, ip_items, "
    "first_sale_contract, first_sale_date, first_sale_price, first_sale_buyer, commitment_confirmed_at, "
    "created_by_id, created_at, updated_at, submitted_at, city_recommended_at"
)


def generate_applications(*, url, applications, seed=20261130):
    """Fill the benchmark database with the application data set (Django set up on it). Returns a summary."""
    sizes_ = applications_sizes(applications)
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.monotonic()
    print(f"generating {applications:,} applications of {sizes_['enterprises']:,} enterprises in "
          f"{common.database_name(url)}", flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        _reset_applications(conn)
    _log("removed the previous application data set", started)

    prov_id, cities, enterprises, owners = _apps_staff_and_enterprises(sizes_["enterprises"], rng, now)
    _log(f"{len(enterprises):,} enterprises, bureaus of every county and city, their users (bulk_create)", started)
    batches = _apps_batches(prov_id, cities, now)

    with psycopg.connect(url) as conn:
        _skip_foreign_key_checks(conn)
        conn.execute("SET synchronous_commit = off")
        with _secondary_indexes_dropped(conn, ["certification_application"]):
            with conn.cursor() as cursor:
                with cursor.copy(f"COPY certification_application ({APPS_COLUMNS}) FROM STDIN") as copy:
                    for data in _application_lines(applications, batches, enterprises, owners, now, rng):
                        copy.write(data)
            conn.commit()
            _log(f"{applications:,} applications (COPY)", started)
        _log("indexes rebuilt", started)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) accounts_organisation, accounts_membership, accounts_user, authtoken_token, "
                     "certification_batch, certification_batchquota, certification_application")
        summary = application_counts(conn)
    _log("VACUUM (ANALYZE)", started)
    summary["generated_seconds"] = round(time.monotonic() - started, 1)
    return summary


def application_counts(conn):
    """Row counts of the application data set (conn: a psycopg connection to the benchmark database)."""
    one = lambda query, *p: conn.execute(query, p).fetchone()[0]  # noqa: E731
    by_state = dict(conn.execute("SELECT state, count(*) FROM certification_application GROUP BY state").fetchall())
    return {
        "applications": one("SELECT count(*) FROM certification_application"),
        "submitted": one("SELECT count(*) FROM certification_application WHERE submitted_at IS NOT NULL"),
        "enterprises": one("SELECT count(*) FROM accounts_organisation WHERE kind = 'enterprise'"),
        "counties_with_applications": one("SELECT count(DISTINCT region_id) FROM certification_application"),
        "batches": one("SELECT count(*) FROM certification_batch"),
        "by_state": by_state,
        "application_table_mb": round(one("SELECT pg_total_relation_size('certification_application')") / 2**20, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=["all", "notifications", "applications"], default="all",
                        help="which data set to (re)generate (default all; notifications also empties applications)")
    parser.add_argument("--notifications", type=int, default=None, help="total notifications (default 1,000,000)")
    parser.add_argument("--applications", type=int, default=None, help="total applications (default 100,000)")
    parser.add_argument("--users", type=int, default=None, help="users (default: notifications / 50)")
    parser.add_argument("--bench-inbox", type=int, default=None, help="the bench user's inbox (default 1 %%)")
    parser.add_argument("--tiny", action="store_true",
                        help=f"{TINY_NOTIFICATIONS:,} notifications, {TINY_APPLICATIONS:,} applications into bench_tiny")
    parser.add_argument("--no-deliveries", action="store_true", help="skip the delivery records")
    parser.add_argument("--database-url", default=None, help="default: BENCH_DATABASE_URL or …/bench")
    args = parser.parse_args(argv)
    n = args.notifications or (TINY_NOTIFICATIONS if args.tiny else 1_000_000)
    n_apps = args.applications or (TINY_APPLICATIONS if args.tiny else 100_000)

    url = common.database_url(tiny=args.tiny, explicit=args.database_url)
    common.ensure_database(url)
    common.setup_django(url)
    common.migrate()
    summary = {}
    if args.data in ("all", "notifications"):
        summary.update(generate(
            url=url, notifications=n, users=args.users, bench_inbox=args.bench_inbox,
            deliveries=not args.no_deliveries,
        ))
    if args.data in ("all", "applications"):
        summary.update(generate_applications(url=url, applications=n_apps))
    for key, value in summary.items():
        print(f"  {key}: {value:,}" if isinstance(value, int) else f"  {key}: {value}")

if __name__ == "__main__":
    main()
