"""Bad input through the API and the pages: a 400 (or a form error) naming the field, nothing written, never a 500.

Dates far in the past (0001-01-01) are refused for the allocation, the disbursement and a repayment (the service's
floor: 2000-01-01, the first year any form accepts); ids and years in filters are ASCII digits only (like
certification.queries.is_id): "１", "٢٠٢٦" or "3301.0" are a 400 in the API and the export and a form error on the
page, never a silent filter on another value."""

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from payouts.models import Payout, Recovery, Repayment
from recognition.services.recognitions import revoke
from tests.payouts import builders as b

pytestmark = pytest.mark.django_db
API = "/api/v1/payouts"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _fields(response):
    return response.json()["error"]["fields"]


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31"])
def test_allocation_date_before_2000_is_refused_in_api_and_page(world, day):
    p = b.reward_payout(b.recognition(world), state="finance_approved")
    c = _client(world.finance_user)
    events = AuditEvent.objects.filter(action__startswith="payout").count()
    r = c.post(f"{API}/payouts/allocate/", {"payout_ids": [p.pk], "allocated_on": day}, content_type="application/json")
    assert r.status_code == 400 and "allocated_on" in _fields(r)
    r = _client(world.finance_user).post(
        "/payouts/allocate/", {"city": p.city_id, "payouts": [p.pk], "allocated_on": day}
    )
    assert r.status_code == 400 and r.context["form"].errors["allocated_on"]
    assert (
        Payout.objects.get(pk=p.pk).state == "finance_approved"
        and AuditEvent.objects.filter(action__startswith="payout").count() == events
    ), list(AuditEvent.objects.values_list("action", flat=True))


def test_repayment_date_before_2000_is_refused(world):
    rec = b.recognition(world)
    b.reward_payout(rec, state="disbursed")
    revoke(actor=world.province_user, recognition_id=rec.pk, reason="虚假材料", document_number="浙经信〔2026〕1号")
    recovery = Recovery.objects.get(payout__recognition=rec)
    data = {"amount": "1.00", "paid_on": "0001-01-01", "reference": "JK1"}
    r = _client(world.finance_user).post(
        f"{API}/recoveries/{recovery.pk}/repayments/", data, content_type="application/json"
    )
    assert r.status_code == 400 and "paid_on" in _fields(r)
    r = _client(world.finance_user).post(f"/payouts/recoveries/{recovery.pk}/", data)
    assert r.status_code == 400 and r.context["form"].errors["paid_on"]
    assert Repayment.objects.count() == 0


@pytest.mark.parametrize(
    "key,value",
    [
        ("city", "１"),
        ("city", "٣٣٠١"),
        ("city", "3301.0"),
        ("city", "1e3"),
        ("year", "２０２６"),
        ("year", "٢٠٢٦"),
        ("year", "2026.0"),
    ],
)
def test_non_ascii_or_decimal_ids_and_years_in_filters_are_refused(world, key, value):
    b.reward_payout(b.recognition(world), state="proposed")
    c = _client(world.province_user)
    r = c.get(f"{API}/payouts/", {key: value})
    assert r.status_code == 400 and key in _fields(r)
    assert c.get("/payouts/export/", {key: value}).status_code == 400
    assert c.get(f"{API}/payouts/export.xlsx", {key: value}).status_code == 400
    page = c.get("/payouts/", {key: value})
    assert page.status_code == 200 and page.context["form"].errors[key]


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/dashboard/?year=",
        "/payouts/dashboard/?year=",
        f"{API}/budgets/?year=",
        f"{API}/reward-rules/?budget_year=",
        f"{API}/recoveries/?year=",
        f"{API}/recoveries/?city=",
    ],
)
@pytest.mark.parametrize("value", ["２０２６", "2026.0"])
def test_non_ascii_years_elsewhere_are_refused(world, url, value):
    assert _client(world.finance_user).get(url + value).status_code == 400


def test_today_still_allocates(world):
    p = b.reward_payout(b.recognition(world), state="finance_approved")
    today = timezone.localdate().isoformat()
    r = _client(world.finance_user).post(
        f"{API}/payouts/allocate/", {"payout_ids": [p.pk], "allocated_on": today}, content_type="application/json"
    )
    assert r.status_code == 200


# --- the bank's payment list through the page and the API: scope and bad city values -----------------------------


def _bank_status(world, user, value):
    from accounts.models import Region

    city = {
        "hangzhou": lambda: Region.objects.get(code="3301").pk,
        "ningbo": lambda: Region.objects.get(code="3302").pk,
        "county": lambda: Region.objects.get(code="330106").pk,
        "missing": lambda: 999999,
    }.get(value, lambda: value)()
    c = _client(user)
    return (
        c.get("/payouts/bank-list/", {"city": city}).status_code,
        c.get(f"{API}/bank-list.xlsx", {"city": city}).status_code,
    )


@pytest.mark.parametrize(
    "who,value,expected",
    [
        ("binjiang_user", "hangzhou", 200),  # the county bureau: its city's list, its county's payouts
        ("binjiang_user", "ningbo", 403),  # another city
        ("nb_user", "hangzhou", 403),  # another city's bureau
        ("province_user", "hangzhou", 403),  # province industry: not the bank's list
        ("regulator_user", "hangzhou", 403),
        ("finance_user", "hangzhou", 200),
        ("finance_user", "ningbo", 200),
        ("finance_user", "county", 400),  # a county's id is no city
        ("finance_user", "missing", 400),
        ("finance_user", "３３０１", 400),
        ("finance_user", "99999999999999999999999", 400),
        ("finance_user", "NaN", 400),
        ("hz_user", "-1", 400),
    ],
)
def test_bank_list_scope_and_bad_cities(world, who, value, expected):
    assert _bank_status(world, getattr(world, who), value) == (expected, expected)
