"""Constant queries as rows grow: recoveries, budgets, reward rules (list and edit with many recognitions), the
dashboard, the lists and the exports, for province finance and province industry staff."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from recognition.services.recognitions import revoke
from tests.payouts import builders as b

pytestmark = pytest.mark.django_db
URLS = [
    "/payouts/recoveries/",
    "/payouts/budgets/",
    "/payouts/rules/",
    "/payouts/rules/{batch}/",
    "/payouts/dashboard/",
    "/payouts/",
    "/api/v1/payouts/recoveries/",
    "/api/v1/payouts/budgets/",
    "/api/v1/payouts/reward-rules/",
    "/api/v1/payouts/dashboard/",
    "/api/v1/payouts/payouts/",
    "/payouts/allocate/",
    "/payouts/allocate/?city={city}",
    "/payouts/export/",
    "/payouts/bank-list/?city={city}",
    "/payouts/dashboard/export/",
]


def grow(world, batch, year):
    rec = b.recognition(world, batch=batch)
    b.reward_payout(rec, state="disbursed")
    revoke(actor=world.province_user, recognition_id=rec.pk, reason="x", document_number=f"d{rec.pk}")
    b.reward_payout(b.recognition(world, batch=batch), state="finance_approved")
    b.reward_payout(b.recognition(world, year=year), state="allocated")
    b.budget(year + 1, "reward", 10**8)


def counts(c, batch, city):
    out = {}
    for u in URLS:
        with CaptureQueriesContext(connection) as q:
            r = c.get(u.format(batch=batch.pk, city=city))
        out[u] = (r.status_code, len(q))
    return out


def test_pages_and_api_queries_do_not_grow_with_rows(world):
    batch = b.batch(2025)
    grow(world, batch, 2020)
    c = Client()
    c.force_login(world.finance_user)
    p = Client()
    p.force_login(world.province_user)
    from recognition.models import Recognition

    city = Recognition.objects.first().city_id
    one = {**counts(c, batch, city), **{k + "#p": v for k, v in counts(p, batch, city).items()}}
    for i in range(3):
        grow(world, batch, 2010 + i)
    three = {**counts(c, batch, city), **{k + "#p": v for k, v in counts(p, batch, city).items()}}
    assert three == one  # the same statuses and the same number of queries with four times the rows
