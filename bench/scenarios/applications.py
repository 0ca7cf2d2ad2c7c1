"""Application lists: GET /api/v1/applications/ — a page of 50, filtered and sorted — as province staff and as
one city's staff, over the application data set (100,000 applications across all 90 counties).

API side: django.test.Client with `Authorization: Token …` (the whole Django stack, no network hop).
Baseline: what a hand-written endpoint needs for the same response on one persistent psycopg connection —
token → user, the user's bureau (scope), count, page (joined with batch, enterprise, county and city) — and
the same JSON (labels, the actions the user may take on each row, the next-page link) from json.dumps.
"""

import json
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import psycopg

URL = "/api/v1/applications/"
HOST = "testserver"  # django.test.Client's host, which DRF puts in the next/previous links
PAGE_SIZE = 50

_PAGE_SQL = """
SELECT a.id, a.number, a.batch_id, b.name, a.enterprise_id, e.name, a.region_id, r.name, a.city_id, c.name,
       a.product_name, a.model_spec, a.category, a.equipment_form, a.declared_level, a.field, a.state,
       a.submitted_at, a.updated_at
FROM certification_application a
JOIN certification_batch b ON b.id = a.batch_id
JOIN accounts_organisation e ON e.id = a.enterprise_id
JOIN accounts_region r ON r.id = a.region_id
JOIN accounts_region c ON c.id = a.city_id
WHERE {where}
ORDER BY a.submitted_at DESC, a.id DESC
LIMIT %s OFFSET %s
"""


class _ApplicationList:
    """Shared by the province and the city scenario; subclasses set username, filters and the title."""

    username = ""
    filters = {}  # query parameters besides batch, ordering and page_size
    targets = {"p95_ms": 100.0, "ratio": 3.0, "max_queries": 6}
    data_set = "applications"
    explain_tables = ("certification_application",)

    def __init__(self, url, _username=None):
        from django.conf import settings
        from django.test import Client
        from rest_framework.authtoken.models import Token

        from accounts.fields import INDUSTRY_FIELDS
        from certification import workflow
        from certification.catalogue import Category, Level
        from certification.models import Batch, State

        self.client = Client()
        self.token = Token.objects.get(user__username=self.username).key
        self.authorization = f"Token {self.token}"
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.pg = psycopg.connect(url, autocommit=True)
        batch = Batch.objects.filter(state=Batch.State.OPEN).order_by("-year").first()
        self.params = {"batch": str(batch.pk), **self.filters, "ordering": "-submitted_at",
                       "page_size": str(PAGE_SIZE)}
        self.path = f"{URL}?{urlencode(self.params)}"
        # Labels and the workflow table, read once, as a hand-written endpoint would have them as constants.
        self.labels = {
            "category": {k: str(v) for k, v in Category.choices},
            "level": {k: str(v) for k, v in Level.choices},
            "field": {k: str(v) for k, v in INDUSTRY_FIELDS},
            "state": {k: str(v) for k, v in State.choices},
        }
        self.actions = [(a.code, {str(s) for s in a.sources}, a.role) for a in workflow.ACTIONS.values()]
        self.roles = workflow

    def close(self):
        self.pg.close()

    # --- the measured endpoint ----------------------------------------------------------------------

    def api(self, path=None):
        path = path or self.path
        response = self.client.get(path, HTTP_AUTHORIZATION=self.authorization)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}: {response.content[:300]!r}")
        return response.content

    def query_variants(self):
        """Other pages and sizes of the same filtered list: their query counts must equal the measured one's."""
        return {
            label: f"{URL}?{urlencode({**self.params, **extra})}"
            for label, extra in [("page_size=10", {"page_size": "10"}), ("page_size=100", {"page_size": "100"}),
                                 ("page=2 of 10", {"page_size": "10", "page": "2"})]
        }

    # --- the raw-SQL baseline -----------------------------------------------------------------------

    def baseline(self):
        cur = self.pg.cursor()
        user = cur.execute(
            "SELECT u.id, u.is_active FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id WHERE t.key = %s",
            [self.token],
        ).fetchone()
        if not user or not user[1]:
            raise RuntimeError("bench token is not valid")
        memberships = cur.execute(
            "SELECT m.role, o.kind, o.bureau_level, o.region_id FROM accounts_membership m "
            "JOIN accounts_organisation o ON o.id = m.organisation_id WHERE m.user_id = %s",
            [user[0]],
        ).fetchall()
        province = any(kind == "bureau" and level == "province" for _r, kind, level, _g in memberships)
        cities = [region for role, _k, _l, region in memberships if role == "city_staff"]
        counties = [region for role, _k, _l, region in memberships if role == "county_staff"]
        if not province and not cities and not counties:
            raise RuntimeError("the baseline covers bureau staff only")

        where, args = ["a.submitted_at IS NOT NULL"], []
        if not province:
            where.append("(a.city_id = ANY(%s) OR a.region_id = ANY(%s))")
            args += [cities, counties]
        for name in ("batch", "state", "category"):
            if name in self.params:
                where.append(f"a.{name if name != 'batch' else 'batch_id'} = %s")
                args.append(int(self.params[name]) if name == "batch" else self.params[name])
        where_sql = " AND ".join(where)
        count = cur.execute(f"SELECT count(*) FROM certification_application a WHERE {where_sql}", args).fetchone()[0]
        rows = cur.execute(_PAGE_SQL.format(where=where_sql), [*args, PAGE_SIZE, 0]).fetchall()

        staff_roles = {role for role, _k, _l, _g in memberships if role == "province_staff"}
        L = self.labels
        results = []
        for (id_, number, batch, batch_name, enterprise, enterprise_name, region, region_name, city, city_name,
             product, model, category, form, level, field, state, submitted_at, updated_at) in rows:
            acting = set(staff_roles)
            if city in cities:
                acting.add("city_staff")
            if region in counties:
                acting.add("county_staff")
            results.append({
                "id": id_, "number": number, "batch": batch, "batch_name": batch_name, "enterprise": enterprise,
                "enterprise_name": enterprise_name, "region": region, "region_name": region_name, "city": city,
                "city_name": city_name, "product_name": product, "model_spec": model, "category": category,
                "category_label": L["category"].get(category, ""), "equipment_form": form,
                "declared_level": level, "declared_level_label": L["level"].get(level, ""), "field": field,
                "field_label": L["field"].get(field, ""), "state": state, "state_label": L["state"].get(state, ""),
                "submitted_at": self._iso(submitted_at), "updated_at": self._iso(updated_at),
                "actions": [code for code, sources, role in self.actions if state in sources and role in acting],
            })
        next_link = None
        if count > PAGE_SIZE:
            next_link = f"http://{HOST}{URL}?" + urlencode(sorted({**self.params, "page": "2"}.items()))
        data = {"count": count, "next": next_link, "previous": None, "results": results}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    def baseline_queries(self):
        return 4  # token → user, memberships (scope), count, page

    def _iso(self, value):
        if value is None:
            return None
        text = value.astimezone(self.tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


class ApplicationsProvince(_ApplicationList):
    name = "applications_province"
    title = ("Province list GET /api/v1/applications/?batch=…&category=equipment&ordering=-submitted_at"
             "&page_size=50 (province staff)")
    username = "apps_prov"
    filters = {"category": "equipment"}


class ApplicationsCity(_ApplicationList):
    name = "applications_city"
    title = ("City list GET /api/v1/applications/?batch=…&state=city_review&ordering=-submitted_at&page_size=50 "
             "(Hangzhou city staff)")
    username = "apps_city"
    filters = {"state": "city_review"}
