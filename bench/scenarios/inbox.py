"""Inbox list: GET /api/v1/notifications/ — page 1, 20 rows, with the total count — for the heavy user.

API side: django.test.Client with `Authorization: Token …`, i.e. the whole Django stack (middleware, DRF
authentication, pagination, serializer, JSON renderer) without a network hop.
Baseline: the same three statements an ideal hand-written endpoint needs (token → user, count, page) on one
persistent psycopg connection, turned into byte-identical JSON with json.dumps.
"""

import json
from zoneinfo import ZoneInfo

import psycopg

URL = "/api/v1/notifications/"
HOST = "testserver"  # django.test.Client's host, which DRF puts in the next/previous links
PAGE_SIZE = 20


class Inbox:
    name = "inbox"
    title = "Inbox list GET /api/v1/notifications/ (page 1, 20 rows, with count)"
    targets = {"p95_ms": 50.0, "ratio": 3.0, "max_queries": 3}  # queries: token → user, count, page

    def __init__(self, url, username):
        from django.conf import settings
        from django.test import Client
        from rest_framework.authtoken.models import Token

        self.client = Client()
        self.token = Token.objects.get(user__username=username).key
        self.authorization = f"Token {self.token}"
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.pg = psycopg.connect(url, autocommit=True)

    def close(self):
        self.pg.close()

    # --- the measured endpoint ----------------------------------------------------------------------

    def api(self):
        response = self.client.get(URL, HTTP_AUTHORIZATION=self.authorization)
        if response.status_code != 200:
            raise RuntimeError(f"GET {URL} answered {response.status_code}: {response.content[:300]!r}")
        return response.content

    # --- the raw-SQL baseline -----------------------------------------------------------------------

    def baseline(self):
        cur = self.pg.cursor()
        user = cur.execute(
            "SELECT u.id, u.is_active FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id WHERE t.key = %s",
            [self.token],
        ).fetchone()
        if not user or not user[1]:
            raise RuntimeError("bench token is not valid")
        count = cur.execute(
            "SELECT count(*) FROM notifications_notification WHERE recipient_id = %s", [user[0]]
        ).fetchone()[0]
        rows = cur.execute(
            "SELECT id, kind, subject, body, link, created_at, read_at FROM notifications_notification "
            "WHERE recipient_id = %s ORDER BY created_at DESC, id DESC LIMIT %s",
            [user[0], PAGE_SIZE],
        ).fetchall()
        results = [
            {
                "id": id_,
                "kind": kind,
                "subject": subject,
                "body": body,
                "link": link,
                "created_at": self._iso(created_at),
                "read_at": self._iso(read_at),
                "is_read": read_at is not None,
            }
            for id_, kind, subject, body, link, created_at, read_at in rows
        ]
        data = {
            "count": count,
            "next": f"http://{HOST}{URL}?page=2" if count > PAGE_SIZE else None,
            "previous": None,
            "results": results,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    def baseline_queries(self):
        return 3

    def _iso(self, value):
        if value is None:
            return None
        text = value.astimezone(self.tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
