"""The 资金拨付 API's scope and role matrix: anonymous 401 everywhere; the enterprise sees only its own payouts;
another city's bureau, another enterprise and users with no bureau 404 (existence does not leak); who sees a payout
but does not hold the step's role 403 (finance cannot take industry's step and vice versa); nothing is written by a
refused call. Reward rules and budgets are province business; the dashboard is for bureaus."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from payouts.models import Budget, Payout, Recovery, RewardRule
from tests import factories as f
from tests.payouts import builders as b

ROOT = "/api/v1/payouts/"
API = f"{ROOT}payouts/"
JSON = "application/json"

pytestmark = pytest.mark.django_db


@pytest.fixture
def env(world):
    today = timezone.localdate()
    world.outsider = f.UserFactory(username="outsider")
    world.proposed = b.reward_payout(b.recognition(world))
    world.industry_approved = b.reward_payout(b.recognition(world), state="industry_approved")
    world.finance_approved = b.reward_payout(b.recognition(world), state="finance_approved")
    world.allocated = b.reward_payout(
        b.recognition(world), state="allocated", allocated_on=today - dt.timedelta(days=3)
    )
    world.nb_payout = b.reward_payout(b.recognition(world.ent_nb), rule={"excluded_city_ids": []})
    world.xs_payout = b.reward_payout(b.recognition(world.ent_hz_other_county))
    rec = b.recognition(world)
    world.disbursed = b.reward_payout(rec, state="disbursed")
    from recognition.services.recognitions import revoke

    revoke(actor=world.province_user, recognition_id=rec.pk, reason="弄虚作假", document_number="浙经信〔2026〕9号")
    world.recovery = Recovery.objects.get(payout=world.disbursed)
    return world


def _snapshot():
    return (
        list(Payout.objects.order_by("pk").values_list("state", "bank_account", "bank_reference", "rejected_reason")),
        list(Budget.objects.order_by("pk").values_list("amount", "note")),
        list(RewardRule.objects.order_by("pk").values_list("amount_domestic", "note")),
        list(Recovery.objects.order_by("pk").values_list("repaid_amount", "state")),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),
    )


def _writes(env):
    """Every write on env's payouts with valid data, so that only the caller's role decides: (method, url, data)."""
    today = timezone.localdate().isoformat()
    return [
        ("post", f"{API}{env.proposed.pk}/approve-industry/", {}),
        ("post", f"{API}{env.proposed.pk}/reject/", {"reason": "理由"}),
        ("post", f"{API}{env.industry_approved.pk}/approve-finance/", {}),
        ("post", f"{API}{env.industry_approved.pk}/reject/", {"reason": "理由"}),
        ("post", f"{API}{env.allocated.pk}/disburse/", {"disbursed_on": today, "bank_reference": "LS1"}),
        (
            "post",
            f"{API}{env.proposed.pk}/bank-account/",
            {"bank_name": "工商银行", "bank_account": "1202000011112222"},
        ),
        (
            "post",
            f"{ROOT}recoveries/{env.recovery.pk}/repayments/",
            {"amount": "1.00", "paid_on": today, "reference": "R"},
        ),
    ]


def _call(client, method, url, data=None):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data or {}, content_type=JSON)


def test_anonymous_gets_401_everywhere(env, client):
    before = _snapshot()
    batch_id = env.proposed.recognition.batch_id
    reads = [
        API,
        f"{API}{env.proposed.pk}/",
        f"{API}export.xlsx",
        f"{ROOT}bank-list.xlsx?city={env.allocated.city_id}",
        f"{ROOT}reward-rules/",
        f"{ROOT}reward-rules/{batch_id}/",
        f"{ROOT}budgets/",
        f"{ROOT}recoveries/",
        f"{ROOT}recoveries/{env.recovery.pk}/",
        f"{ROOT}dashboard/",
        f"{ROOT}dashboard/export.xlsx",
    ]
    for url in reads:
        assert client.get(url).status_code == 401, url
    writes = [
        *_writes(env),
        ("post", f"{API}allocate/", {"payout_ids": [env.finance_approved.pk], "allocated_on": "2026-01-05"}),
        ("put", f"{ROOT}reward-rules/{batch_id}/", {}),
        ("post", f"{ROOT}reward-rules/{batch_id}/propose/", {}),
        ("post", f"{ROOT}budgets/", {"year": 2026, "kind": "reward", "amount": "1"}),
    ]
    for method, url, data in writes:
        response = _call(client, method, url, data)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"
    assert _snapshot() == before


def test_the_enterprise_sees_only_its_own(env, client):
    client.force_login(env.ent_nb_user)

    listed = client.get(API).json()
    assert [r["id"] for r in listed["results"]] == [env.nb_payout.pk]
    for p in (env.proposed, env.allocated, env.xs_payout, env.disbursed):
        assert client.get(f"{API}{p.pk}/").status_code == 404
    assert client.get(f"{ROOT}recoveries/").json()["count"] == 0

    client.force_login(env.ent_hz_user)
    mine = {r["id"] for r in client.get(API).json()["results"]}
    assert mine == {
        env.proposed.pk,
        env.industry_approved.pk,
        env.finance_approved.pk,
        env.allocated.pk,
        env.disbursed.pk,
    }
    (recovery,) = client.get(f"{ROOT}recoveries/").json()["results"]
    assert recovery["id"] == env.recovery.pk and recovery["debtor"] == "enterprise" and recovery["can_repay"] is False


@pytest.mark.parametrize("who", ["nb_user", "ent_nb_user", "outsider", "expert_user"])
def test_out_of_scope_gets_404_and_nothing_is_written(env, client, who):
    client.force_login(getattr(env, who))
    before = _snapshot()

    for method, url, data in _writes(env):
        response = _call(client, method, url, data)
        assert response.status_code == 404, (who, url, response.json())
        assert response.json()["error"]["code"] == "not_found"
    for p in (env.proposed, env.allocated, env.disbursed):
        assert client.get(f"{API}{p.pk}/").status_code == 404
    assert client.get(f"{ROOT}recoveries/{env.recovery.pk}/").status_code == 404
    assert _snapshot() == before


def test_a_county_bureau_sees_its_county_only(env, client):
    client.force_login(env.binjiang_user)
    listed = {r["id"] for r in client.get(f"{API}?page_size=100").json()["results"]}
    assert env.xs_payout.pk not in listed and env.nb_payout.pk not in listed
    assert env.allocated.pk in listed
    assert client.get(f"{API}{env.xs_payout.pk}/").status_code == 404

    client.force_login(env.hz_user)
    assert env.xs_payout.pk in {r["id"] for r in client.get(f"{API}?page_size=100").json()["results"]}


ROLE_MATRIX = {
    # who: the writes (by index in _writes) they may see but not take → 403
    "province_user": [2, 3, 4, 5, 6],  # industry: not finance's approval or rejection, not the local or enterprise step
    "finance_user": [0, 1, 4, 5],  # finance: not industry's steps, not the local or enterprise step
    "regulator_user": [0, 1, 2, 3, 4, 5, 6],
    "hz_user": [0, 1, 2, 3, 5, 6],  # the city's industry bureau: disburses only (repayments are finance's)
    "ent_hz_user": [0, 1, 2, 3, 4, 6],  # the enterprise: its bank account only
}


@pytest.mark.parametrize("who", sorted(ROLE_MATRIX))
def test_who_sees_but_does_not_hold_the_role_gets_403(env, client, who):
    client.force_login(getattr(env, who))
    before = _snapshot()
    writes = _writes(env)

    for index in ROLE_MATRIX[who]:
        method, url, data = writes[index]
        response = _call(client, method, url, data)
        assert response.status_code == 403, (who, url, response.json())
        assert response.json()["error"]["code"] == "permission_denied"
    assert _snapshot() == before


def test_each_step_by_its_role(env, client):
    writes = _writes(env)
    allowed = {0: "province_user", 2: "finance_user", 4: "hz_user", 5: "ent_hz_user", 6: "finance_user"}
    for index, who in allowed.items():
        client.force_login(getattr(env, who))
        method, url, data = writes[index]
        response = _call(client, method, url, data)
        assert response.status_code in (200, 201), (who, url, response.json())


def test_allocate_is_province_finance_s(env, client):
    data = {"payout_ids": [env.finance_approved.pk], "allocated_on": timezone.localdate().isoformat()}
    for who in ("province_user", "hz_user", "ent_hz_user", "regulator_user"):
        client.force_login(getattr(env, who))
        assert _call(client, "post", f"{API}allocate/", data).status_code == 403, who
    client.force_login(env.finance_user)
    unseen = _call(client, "post", f"{API}allocate/", {**data, "payout_ids": [env.finance_approved.pk, 10**12]})
    assert unseen.status_code == 404
    assert Payout.objects.get(pk=env.finance_approved.pk).state == "finance_approved"
    assert _call(client, "post", f"{API}allocate/", data).status_code == 200


def test_setup_is_province_business(env, client):
    batch_id = env.proposed.recognition.batch_id
    rule = {"amount_international": "2000000", "amount_domestic": "1200000", "amount_provincial": "500000"}
    for who in ("hz_user", "ent_hz_user", "binjiang_user", "outsider"):
        client.force_login(getattr(env, who))
        for url in (f"{ROOT}reward-rules/", f"{ROOT}reward-rules/{batch_id}/", f"{ROOT}budgets/"):
            assert client.get(url).status_code == 403, (who, url)
    client.force_login(env.regulator_user)
    assert client.get(f"{ROOT}reward-rules/").status_code == 200
    assert client.get(f"{ROOT}budgets/").status_code == 200

    before = _snapshot()
    client.force_login(env.finance_user)
    assert _call(client, "put", f"{ROOT}reward-rules/{batch_id}/", rule).status_code == 403
    assert _call(client, "post", f"{ROOT}reward-rules/{batch_id}/propose/").status_code == 403
    client.force_login(env.province_user)
    budget = {"year": 2026, "kind": "reward", "amount": "900000000"}
    assert _call(client, "post", f"{ROOT}budgets/", budget).status_code == 403
    budget_id = Budget.objects.get(year=2026, kind="reward").pk
    assert _call(client, "patch", f"{ROOT}budgets/{budget_id}/", {"amount": "900000000"}).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["ent_hz_user", "outsider", "expert_user"])
def test_the_dashboard_is_for_bureaus(env, client, who):
    client.force_login(getattr(env, who))
    for url in (f"{ROOT}dashboard/", f"{ROOT}dashboard/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("who", ["province_user", "hz_user", "ent_hz_user", "nb_user"])
def test_the_bank_list_is_the_city_s_bureaus_and_province_finance_s(env, client, who):
    client.force_login(getattr(env, who))
    response = client.get(f"{ROOT}bank-list.xlsx?city={env.allocated.city_id}")
    if who == "hz_user":
        assert response.status_code == 200
    else:
        assert response.status_code == 403, who
    client.force_login(env.finance_user)
    assert client.get(f"{ROOT}bank-list.xlsx?city={env.allocated.city_id}").status_code == 200
