"""Reward rules, budgets, recoveries and the dashboard through the API (/api/v1/payouts/): set by the right
province department, figures from the records, errors naming the field, constant query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Region
from payouts.models import Payout, Recovery, RewardRule
from tests.payouts import builders as b

ROOT = "/api/v1/payouts/"
JSON = "application/json"
RULE = {"amount_international": "2000000", "amount_domestic": "1000000", "amount_provincial": "500000"}

pytestmark = pytest.mark.django_db


def _revoke(world, rec):
    from recognition.services.recognitions import revoke

    revoke(actor=world.province_user, recognition_id=rec.pk, reason="弄虚作假", document_number="浙经信〔2026〕9号")


# --- reward rules ------------------------------------------------------------------------------------------------


def test_reward_rule_put_creates_then_changes_and_propose_is_idempotent(world, client):
    batch = b.batch(2025)
    domestic = b.recognition(world, batch=batch)
    component = b.recognition(world, batch=batch, equipment_form="component")
    ningbo = b.recognition(world.ent_nb, batch=batch, level="provincial")
    client.force_login(world.province_user)
    url = f"{ROOT}reward-rules/{batch.pk}/"

    created = client.put(url, {**RULE, "amount_domestic": "1200000.00"}, content_type=JSON)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["batch"] == batch.pk and body["budget_year"] == 2026 and body["amount_domestic"] == "1200000.00"
    assert [c["name"] for c in body["excluded_cities"]] == ["宁波市"]  # the default on creation

    changed = client.put(url, {**RULE, "note": "按2024年通知", "excluded_city_ids": []}, content_type=JSON)
    assert changed.status_code == 200 and changed.json()["excluded_cities"] == []
    assert changed.json()["amount_domestic"] == "1000000.00" and changed.json()["note"] == "按2024年通知"
    assert client.get(url).json()["note"] == "按2024年通知"

    proposed = client.post(f"{url}propose/", content_type=JSON)
    assert proposed.status_code == 200, proposed.json()
    result = proposed.json()
    assert {p["recognition"]: p["amount"] for p in result["created"]} == {
        domestic.pk: "1000000.00",
        ningbo.pk: "500000.00",
    }
    assert [s["recognition"] for s in result["skipped"]] == [component.pk] and result["skipped"][0]["reason"]
    assert result["existing"] == 0
    assert all(p["actions"] == ["approve_industry", "reject_industry"] for p in result["created"])

    again = client.post(f"{url}propose/", content_type=JSON).json()
    assert again["created"] == [] and again["existing"] == 2
    assert Payout.objects.filter(recognition__batch=batch).count() == 2
    listed = client.get(f"{ROOT}reward-rules/").json()["results"]
    assert next(r for r in listed if r["batch"] == batch.pk)["payout_count"] == 2


def test_reward_rule_errors_name_the_field(world, client):
    batch = b.batch(2025)
    other = b.recognition(world)  # of another batch
    client.force_login(world.province_user)
    url = f"{ROOT}reward-rules/{batch.pk}/"

    response = client.put(url, {**RULE, "list_guided_ids": [other.pk]}, content_type=JSON)
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["list_guided_ids"]
    county = Region.objects.get(code="330106")
    response = client.put(url, {**RULE, "excluded_city_ids": [county.pk]}, content_type=JSON)
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["excluded_city_ids"]
    response = client.put(url, {**RULE, "amount_domestic": "-1"}, content_type=JSON)
    assert response.status_code == 400 and "amount_domestic" in response.json()["error"]["fields"]
    response = client.put(url, {"amount_domestic": "1"}, content_type=JSON)
    assert set(response.json()["error"]["fields"]) == {"amount_international", "amount_provincial"}
    assert not RewardRule.objects.filter(batch=batch).exists()

    assert client.put(f"{ROOT}reward-rules/{10**12}/", RULE, content_type=JSON).status_code == 404
    response = client.post(f"{url}propose/", content_type=JSON)  # no rule yet
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["batch"]


def test_reward_rule_list_queries_are_constant(world, client, django_assert_num_queries):
    client.force_login(world.regulator_user)
    b.reward_rule(b.batch(2025))
    client.get(f"{ROOT}reward-rules/")
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"{ROOT}reward-rules/").json()["count"] == 1
    for _ in range(4):
        batch = b.batch(2024)
        b.reward_rule(batch, list_guided_ids=[b.recognition(world, batch=batch).pk])
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(f"{ROOT}reward-rules/").json()["count"] == 5


# --- budgets -----------------------------------------------------------------------------------------------------


def test_budgets_with_positions_from_the_records(world, client):
    b.budget(2026, "reward", "5000000")
    b.reward_payout(b.recognition(world, level="international"), state="disbursed")  # 2,000,000
    b.reward_payout(b.recognition(world), state="finance_approved")  # 1,000,000
    b.reward_payout(b.recognition(world), state="proposed")  # not committed
    b.reward_payout(b.recognition(world, level="provincial"), state="rejected")  # released
    client.force_login(world.finance_user)

    created = client.post(
        f"{ROOT}budgets/", {"year": 2026, "kind": "compensation", "amount": "300000"}, content_type=JSON
    )
    assert created.status_code == 201, created.json()
    rows = {(r["year"], r["kind"]): r for r in client.get(f"{ROOT}budgets/").json()["results"]}
    assert rows[(2026, "reward")] | {"id": None, "updated_at": None, "updated_by_name": None} == {
        "id": None,
        "year": 2026,
        "kind": "reward",
        "kind_label": "首台（套）奖励",
        "amount": "5000000.00",
        "committed": "3000000.00",
        "disbursed": "2000000.00",
        "remaining": "2000000.00",
        "note": "",
        "updated_by_name": None,
        "updated_at": None,
    }
    assert rows[(2026, "compensation")]["committed"] == "0.00"
    assert [r["kind"] for r in client.get(f"{ROOT}budgets/?kind=compensation").json()["results"]] == ["compensation"]

    budget_id = rows[(2026, "reward")]["id"]
    lower = client.patch(f"{ROOT}budgets/{budget_id}/", {"amount": "2999999.99"}, content_type=JSON)
    assert lower.status_code == 400 and list(lower.json()["error"]["fields"]) == ["amount"]
    assert "3,000,000.00" in lower.json()["error"]["fields"]["amount"][0]
    ok = client.patch(f"{ROOT}budgets/{budget_id}/", {"amount": "3000000"}, content_type=JSON)
    assert ok.status_code == 200 and ok.json()["remaining"] == "0.00"
    # POST on an existing year and kind changes it (200).
    again = client.post(
        f"{ROOT}budgets/", {"year": 2026, "kind": "reward", "amount": "4000000", "note": "追加"}, content_type=JSON
    )
    assert again.status_code == 200 and again.json()["id"] == budget_id and again.json()["note"] == "追加"
    bad = client.post(f"{ROOT}budgets/", {"year": 1999, "kind": "bonus", "amount": "x"}, content_type=JSON)
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"year", "kind", "amount"}


def test_budget_list_queries_are_constant(world, client, django_assert_num_queries):
    b.budget(2026, "reward", "5000000")
    client.force_login(world.province_user)
    client.get(f"{ROOT}budgets/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"{ROOT}budgets/")
    for year in range(2020, 2026):
        b.budget(year, "reward", "1000")
        b.budget(year, "compensation", "1000")
    b.reward_payout(b.recognition(world), state="allocated")
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(f"{ROOT}budgets/").json()["count"] == 13


# --- recoveries --------------------------------------------------------------------------------------------------


def test_recoveries_and_repayments(world, client):
    rec = b.recognition(world)
    paid = b.reward_payout(rec, state="disbursed")
    rec2 = b.recognition(world)
    held = b.reward_payout(rec2, state="allocated")
    _revoke(world, rec)
    _revoke(world, rec2)
    client.force_login(world.finance_user)

    listed = {r["payout"]: r for r in client.get(f"{ROOT}recoveries/").json()["results"]}
    assert listed[paid.pk]["debtor"] == "enterprise" and listed[held.pk]["debtor"] == "city"
    assert listed[paid.pk]["outstanding"] == "1000000.00" and listed[paid.pk]["can_repay"] is True
    assert Payout.objects.get(pk=held.pk).state == "rejected"
    assert [r["payout"] for r in client.get(f"{ROOT}recoveries/?debtor=city").json()["results"]] == [held.pk]

    recovery_id = listed[paid.pk]["id"]
    url = f"{ROOT}recoveries/{recovery_id}/repayments/"
    today = timezone.localdate().isoformat()
    too_much = client.post(url, {"amount": "1000000.01", "paid_on": today, "reference": "JK1"}, content_type=JSON)
    assert too_much.status_code == 400 and list(too_much.json()["error"]["fields"]) == ["amount"]
    missing = client.post(url, {"amount": "1"}, content_type=JSON)
    assert missing.status_code == 400 and set(missing.json()["error"]["fields"]) == {"paid_on", "reference"}

    part = client.post(url, {"amount": "400000", "paid_on": today, "reference": "JK1"}, content_type=JSON)
    assert part.status_code == 201, part.json()
    assert part.json()["state"] == "open" and part.json()["outstanding"] == "600000.00"
    rest = client.post(url, {"amount": "600000", "paid_on": today, "reference": "JK2"}, content_type=JSON).json()
    assert rest["state"] == "repaid" and rest["can_repay"] is False
    assert [r["reference"] for r in rest["repayments"]] == ["JK1", "JK2"]
    assert Recovery.objects.get(pk=recovery_id).repaid_amount == Decimal("1000000.00")

    detail = client.get(f"{ROOT}payouts/{paid.pk}/").json()
    assert detail["recovery"]["id"] == recovery_id and detail["recovery"]["state"] == "repaid"


# --- the dashboard -----------------------------------------------------------------------------------------------


def test_dashboard_api_states_its_scope(world, client):
    b.reward_payout(b.recognition(world), state="allocated")
    b.reward_payout(b.recognition(world.ent_nb), rule={"excluded_city_ids": []})
    client.force_login(world.hz_user)

    body = client.get(f"{ROOT}dashboard/").json()
    assert "杭州市" in body["scope"]["text"] and body["scope"]["province_wide"] is False
    assert body["overall"]["count"] == 1 and body["overall"]["groups"]["allocated"]["amount"] == "1000000.00"
    assert [r["label"] for r in body["by_city"]] == ["杭州市"]
    assert body["budgets"] == []

    client.force_login(world.regulator_user)
    body = client.get(f"{ROOT}dashboard/?year=2026").json()
    assert body["scope"]["year"] == 2026 and "2026年度" in body["scope"]["text"]
    assert len(body["by_city"]) == 11 and body["overall"]["count"] == 2
    assert body["budgets"][0]["amount"] == f"{b.BIG:.2f}"

    bad = client.get(f"{ROOT}dashboard/?year=20x6")
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["year"]
