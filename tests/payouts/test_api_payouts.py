"""The payouts API (/api/v1/payouts/payouts/): the list and the detail scoped to the user, the filters, the
actions through the chain, the error payloads naming the field, constant query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payouts.models import Payout, Recovery
from tests.payouts import builders as b

API = "/api/v1/payouts/payouts/"
JSON = "application/json"

pytestmark = pytest.mark.django_db


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type=JSON)


def test_the_chain_through_the_api(world, client):
    rec = b.recognition(world, level="international")
    b.budget(2026, "reward", "5000000")
    payout = b.reward_payout(rec)
    assert payout.amount == Decimal("2000000.00") and payout.year == 2026

    client.force_login(world.province_user)
    detail = client.get(f"{API}{payout.pk}/").json()
    assert detail["state"] == "proposed" and detail["actions"] == ["approve_industry", "reject_industry"]
    assert detail["working"] and detail["budget"] == {
        "year": 2026,
        "kind": "reward",
        "amount": "5000000.00",
        "committed": "0.00",
        "disbursed": "0.00",
        "remaining": "5000000.00",
    }
    response = _post(client, f"{API}{payout.pk}/approve-industry/")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "industry_approved"
    assert response.json()["budget"]["committed"] == "2000000.00"

    client.force_login(world.finance_user)
    assert client.get(f"{API}{payout.pk}/").json()["actions"] == ["approve_finance", "reject_finance"]
    assert _post(client, f"{API}{payout.pk}/approve-finance/").json()["state"] == "finance_approved"

    client.force_login(world.ent_hz_user)
    account = {"bank_name": "中国工商银行杭州高新支行", "bank_account": "1202 0210 0910 0123 456"}
    response = _post(client, f"{API}{payout.pk}/bank-account/", account)
    assert response.status_code == 200 and response.json()["has_bank_account"] is True
    assert response.json()["bank_account"] == "1202021009100123456"

    client.force_login(world.finance_user)
    today = timezone.localdate()
    response = _post(
        client,
        f"{API}allocate/",
        {"payout_ids": [payout.pk], "allocated_on": today.isoformat(), "document": "浙财企〔2026〕1号"},
    )
    assert response.status_code == 200, response.json()
    (row,) = response.json()
    assert row["state"] == "allocated" and row["due_on"] == (today + dt.timedelta(days=30)).isoformat()

    client.force_login(world.hz_user)
    detail = client.get(f"{API}{payout.pk}/").json()
    assert detail["actions"] == ["disburse"] and detail["budget"] is None  # budgets are province business
    response = _post(
        client, f"{API}{payout.pk}/disburse/", {"disbursed_on": today.isoformat(), "bank_reference": "LS001"}
    )
    assert response.status_code == 200, response.json()
    detail = response.json()
    assert detail["state"] == "disbursed" and detail["actions"] == []
    steps = {s["code"]: s for s in detail["steps"]}
    assert all(s["done"] for s in steps.values())
    assert steps["disbursed"]["at"] == today.isoformat() and "LS001" in steps["disbursed"]["detail"]
    assert steps["industry_approved"]["by"] == (world.province_user.display_name or world.province_user.username)

    # A second disbursement is refused: never paid twice.
    again = _post(client, f"{API}{payout.pk}/disburse/", {"disbursed_on": today.isoformat(), "bank_reference": "LS2"})
    assert again.status_code == 400
    assert Payout.objects.get(pk=payout.pk).bank_reference == "LS001"


def test_the_enterprise_sees_the_steps_without_the_officials_names(world, client):
    payout = b.reward_payout(b.recognition(world), state="finance_approved")
    client.force_login(world.ent_hz_user)

    detail = client.get(f"{API}{payout.pk}/").json()

    assert [s["done"] for s in detail["steps"]] == [True, True, True, False, False]
    assert all(s["by"] is None for s in detail["steps"])
    assert detail["budget"] is None and detail["actions"] == ["bank_account"]


def test_reject_by_the_state_s_department_with_a_reason(world, client):
    proposed = b.reward_payout(b.recognition(world))
    approved = b.reward_payout(b.recognition(world), state="industry_approved")

    client.force_login(world.province_user)
    missing = _post(client, f"{API}{proposed.pk}/reject/", {})
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["fields"]
    assert _post(client, f"{API}{approved.pk}/reject/", {"reason": "重复"}).status_code == 403  # finance's step
    response = _post(client, f"{API}{proposed.pk}/reject/", {"reason": "材料不实"})
    assert response.status_code == 200
    assert response.json()["state"] == "rejected" and response.json()["rejected_reason"] == "材料不实"
    assert response.json()["steps"][-1]["code"] == "rejected"

    client.force_login(world.finance_user)
    assert _post(client, f"{API}{approved.pk}/reject/", {"reason": "预算调整"}).json()["state"] == "rejected"


def test_error_payloads_name_the_field(world, client):
    payout = b.reward_payout(b.recognition(world), state="finance_approved")
    client.force_login(world.finance_user)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    future = _post(client, f"{API}allocate/", {"payout_ids": [payout.pk], "allocated_on": tomorrow})
    assert future.status_code == 400
    assert list(future.json()["error"]["fields"]) == ["allocated_on"]
    assert future.json()["error"]["code"] == "invalid"

    empty = _post(client, f"{API}allocate/", {"payout_ids": [], "allocated_on": timezone.localdate().isoformat()})
    assert empty.status_code == 400 and "payout_ids" in empty.json()["error"]["fields"]

    not_a_date = _post(client, f"{API}allocate/", {"payout_ids": [payout.pk], "allocated_on": "昨天"})
    assert not_a_date.status_code == 400 and "allocated_on" in not_a_date.json()["error"]["fields"]

    allocated = b.reward_payout(b.recognition(world), state="allocated")
    client.force_login(world.hz_user)
    early = _post(
        client,
        f"{API}{allocated.pk}/disburse/",
        {"disbursed_on": (allocated.allocated_on - dt.timedelta(days=1)).isoformat(), "bank_reference": "LS9"},
    )
    assert early.status_code == 400 and list(early.json()["error"]["fields"]) == ["disbursed_on"]
    no_reference = _post(client, f"{API}{allocated.pk}/disburse/", {"disbursed_on": allocated.allocated_on.isoformat()})
    assert no_reference.status_code == 400 and "bank_reference" in no_reference.json()["error"]["fields"]

    client.force_login(world.ent_hz_user)
    bad_account = _post(client, f"{API}{payout.pk}/bank-account/", {"bank_name": "工行", "bank_account": "12ab"})
    assert bad_account.status_code == 400 and list(bad_account.json()["error"]["fields"]) == ["bank_account"]


def test_over_budget_approval_is_refused_naming_the_remaining_budget(world, client):
    b.budget(2026, "reward", "1500000")
    first = b.reward_payout(b.recognition(world), state="industry_approved")  # 1,000,000 committed
    second = b.reward_payout(b.recognition(world))
    client.force_login(world.province_user)

    response = _post(client, f"{API}{second.pk}/approve-industry/")

    assert response.status_code == 400
    message = " ".join(response.json()["error"]["fields"]["__all__"])
    assert "500,000.00" in message
    assert Payout.objects.get(pk=second.pk).state == "proposed"
    assert Payout.objects.get(pk=first.pk).state == "industry_approved"


def test_filters_and_bad_filters(world, client):
    today = timezone.localdate()
    late = b.reward_payout(
        b.recognition(world, level="international"), state="allocated", allocated_on=today - dt.timedelta(days=40)
    )
    on_time = b.reward_payout(b.recognition(world), state="allocated", allocated_on=today - dt.timedelta(days=30))
    nb = b.reward_payout(b.recognition(world.ent_nb), rule={"excluded_city_ids": []})
    client.force_login(world.province_user)

    def ids(query):
        response = client.get(f"{API}?{query}")
        assert response.status_code == 200, response.json()
        return {r["id"] for r in response.json()["results"]}

    assert ids("") == {late.pk, on_time.pk, nb.pk}
    assert ids("overdue=true") == {late.pk}
    assert ids("overdue=false") == {on_time.pk, nb.pk}
    assert ids(f"city={nb.city_id}") == {nb.pk}
    assert ids("level=international") == {late.pk}
    assert ids("state=proposed&kind=reward") == {nb.pk}
    assert ids(f"q={late.number}") == {late.pk}
    assert ids("year=2027") == set()
    (row,) = client.get(f"{API}?overdue=true").json()["results"]
    assert row["days_overdue"] == 10

    for bad in ("state=paid", "year=1999", "overdue=maybe", "city=abc", "level=global"):
        response = client.get(f"{API}?{bad}")
        assert response.status_code == 400, bad
        assert bad.split("=")[0] in response.json()["error"]["fields"]


def test_list_queries_do_not_grow_with_the_rows(world, client, django_assert_num_queries):
    rec = b.recognition(world)
    b.reward_payout(rec, state="allocated")
    client.force_login(world.hz_user)
    client.get(API)  # the session and the roles warm up like any request
    with CaptureQueriesContext(connection) as one:
        assert client.get(API).json()["count"] == 1

    batch = b.batch(2025)
    recs = [b.recognition(world, batch=batch) for _ in range(49)]
    b.reward_rule(batch)
    from payouts.services.proposals import propose_rewards

    propose_rewards(actor=b.industry_user(), batch_id=batch.pk)
    assert Payout.objects.filter(recognition__in=recs).count() == 49
    c = b.compensation_payout(world, state="industry_approved")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(f"{API}?page_size=100")
    assert response.json()["count"] == 51
    assert {r["kind"] for r in response.json()["results"]} == {"reward", "compensation"}
    assert next(r for r in response.json()["results"] if r["id"] == c.pk)["claim_number"]


def test_detail_queries_are_constant(world, client, django_assert_num_queries):
    client.force_login(world.province_user)
    plain = b.reward_payout(b.recognition(world), state="disbursed")
    client.get(f"{API}{plain.pk}/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"{API}{plain.pk}/")

    rec = b.recognition(world)
    paid = b.reward_payout(rec, state="disbursed")
    from payouts.services.recoveries import record_repayment
    from recognition.services.recognitions import revoke

    revoke(actor=world.province_user, recognition_id=rec.pk, reason="弄虚作假", document_number="浙经信〔2026〕9号")
    recovery = Recovery.objects.get(payout=paid)
    for amount in ("100.00", "200.00", "300.00"):
        record_repayment(
            actor=world.finance_user,
            recovery_id=recovery.pk,
            amount=Decimal(amount),
            paid_on=timezone.localdate(),
            reference=f"JK{amount}",
        )
    with django_assert_num_queries(len(one.captured_queries) + 1):  # + the recovery's repayments
        detail = client.get(f"{API}{paid.pk}/").json()
    assert detail["recovery"]["repaid_amount"] == "600.00"
    assert len(detail["recovery"]["repayments"]) == 3
    assert Recovery.objects.get(pk=recovery.pk).state == "open"
