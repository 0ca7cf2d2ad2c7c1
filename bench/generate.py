"""Benchmark data generator: many users and notifications, fast (bulk inserts; COPY for notifications).

    .venv/bin/python bench/generate.py --notifications 1000000        # into database `bench`
    .venv/bin/python bench/generate.py --tiny                          # 2,000 into `bench_tiny`

It empties the benchmark database's users and notifications first, then writes:
- users (bulk_create with one pre-computed password hash), ~1 per 50 notifications (20,000 for 1,000,000),
  including one heavy user `bench` with an API token;
- notifications (COPY via psycopg 3's cursor.copy) over the last 365 days in time order, so that each
  user's rows are spread over the table as they are in production; `bench` gets 1 % of them (10,000 of
  1,000,000); about half of the last 30 days' notifications are unread and 2 % of older ones;
- their delivery records (in-app and e-mail, almost all sent), written server-side with INSERT … SELECT;
- then VACUUM (ANALYZE): statistics and the visibility map as autovacuum would leave them.
"""

import argparse
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notifications", type=int, default=None, help="total notifications (default 1,000,000)")
    parser.add_argument("--users", type=int, default=None, help="users (default: notifications / 50)")
    parser.add_argument("--bench-inbox", type=int, default=None, help="the bench user's inbox (default 1 %%)")
    parser.add_argument("--tiny", action="store_true", help=f"{TINY_NOTIFICATIONS:,} notifications into bench_tiny")
    parser.add_argument("--no-deliveries", action="store_true", help="skip the delivery records")
    parser.add_argument("--database-url", default=None, help="default: BENCH_DATABASE_URL or …/bench")
    args = parser.parse_args(argv)
    n = args.notifications or (TINY_NOTIFICATIONS if args.tiny else 1_000_000)

    url = common.database_url(tiny=args.tiny, explicit=args.database_url)
    common.ensure_database(url)
    common.setup_django(url)
    common.migrate()
    summary = generate(
        url=url, notifications=n, users=args.users, bench_inbox=args.bench_inbox, deliveries=not args.no_deliveries
    )
    for key, value in summary.items():
        print(f"  {key}: {value:,}" if isinstance(value, int) else f"  {key}: {value}")


if __name__ == "__main__":
    main()
