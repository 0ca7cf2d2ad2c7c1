"""Review findings on the insurance feature: each test pins one defect found in review (500s on out-of-range
input, a rejected or returned claim keeping an adjusted amount), plus the edges checked that already held."""

import pytest
from django.core.exceptions import ValidationError

from insurance.models import Claim
from insurance.services import claims as claim_services
from tests.insurance import builders as b
from tests.insurance import claim_steps as steps

CLAIMS = "/api/v1/insurance/claims/"
POLICIES = "/api/v1/insurance/policies/"
JSON = "application/json"
HUGE = 2**70

pytestmark = pytest.mark.django_db


def _policy_body(recognition, /, **overrides):
    return {
        "recognition": recognition.pk, "insurer": b.insurer().pk, "buyer": b.buyer().pk, "policy_number": "P-R",
        "equipment_value": "1000000.00", "premium": "20000.00", "coverage_limit": "1000000.00",
        "starts_on": "2025-06-01", "ends_on": "2026-05-31",
        "units": [{"serial_number": "SN-1", "contract_number": "HT-1", "contract_date": "2025-05-01",
                   "delivered_on": "2025-05-20"}],
        **overrides,
    }


@pytest.mark.parametrize("body", ["create", "update"])
def test_an_out_of_range_policy_id_in_a_claim_body_is_a_400_not_a_500(world, client, body):
    recognition, policy = steps.eligible_recognition(world)
    client.force_login(world.ent_hz_user)
    if body == "create":
        response = client.post(CLAIMS, {"recognition": recognition.pk, "policies": [HUGE], "cover_year": 1},
                               content_type=JSON)
    else:
        claim = claim_services.create_claim(actor=world.ent_hz_user, recognition_id=recognition.pk,
                                            policy_ids=[policy.pk], cover_year=1)
        response = client.patch(f"{CLAIMS}{claim.pk}/", {"policies": [HUGE]}, content_type=JSON)

    assert response.status_code == 400
    assert "policies" in response.json()["error"]["fields"]


@pytest.mark.parametrize("url", ["/insurance/policies/", "/insurance/claims/"])
def test_an_out_of_range_recognition_filter_in_a_list_page_is_not_a_500(world, client, url):
    client.force_login(world.province_user)

    assert client.get(url, {"recognition": str(HUGE)}).status_code in (200, 400)


def test_out_of_range_ids_elsewhere_answer_404_or_400(world, client):
    recognition = b.recognition_for(world)
    client.force_login(world.ent_hz_user)

    codes = [client.get(url).status_code for url in (f"{CLAIMS}{HUGE}/", f"{POLICIES}{HUGE}/",
                                                      f"/insurance/claims/{HUGE}/", f"/insurance/policies/{HUGE}/")]
    codes += [client.post(POLICIES, _policy_body(recognition, **{key: HUGE}), content_type=JSON).status_code
              for key in ("insurer", "buyer", "renewal_of", "recognition")]
    codes.append(client.post(CLAIMS, {"recognition": HUGE, "policies": [1], "cover_year": 1},
                             content_type=JSON).status_code)

    assert codes == [404, 404, 404, 404, 400, 400, 400, 404, 400]


def test_an_adjusted_amount_too_large_to_quantise_is_refused_not_a_500(world):
    claim = steps.in_joint_review(world)

    with pytest.raises(ValidationError) as exc:
        steps.approve(world, claim, "industry", adjusted_amount="1e30", adjustment_reason="核减")

    assert "adjusted_amount" in exc.value.message_dict


def test_a_policy_amount_too_large_to_quantise_is_refused_not_a_500(world):
    from insurance.services.policies import create_policy

    recognition = b.recognition_for(world)
    body = _policy_body(recognition, premium="1e30")
    del body["recognition"]
    insurer_id, buyer_id = body.pop("insurer"), body.pop("buyer")
    data = {**body, "insurer_id": insurer_id, "buyer_id": buyer_id}

    with pytest.raises(ValidationError) as exc:
        create_policy(actor=world.ent_hz_user, recognition_id=recognition.pk, **data)

    assert "premium" in exc.value.message_dict


@pytest.mark.parametrize("decision", ["reject", "return"])
def test_a_claim_rejected_or_returned_in_the_joint_review_keeps_no_adjusted_amount(world, decision):
    claim = steps.in_joint_review(world)
    steps.approve(world, claim, "industry", adjusted_amount="15000", adjustment_reason="核减")

    claim_services.sign_off(actor=world.finance_user, claim_id=claim.pk, action=f"finance_{decision}",
                            opinion="材料不符")

    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state in (Claim.State.REJECTED, Claim.State.RETURNED)
    assert claim.approved_amount is None and claim.adjustment_reason == ""


def test_bad_money_in_api_bodies_is_a_400(world, client):
    recognition = b.recognition_for(world)
    client.force_login(world.ent_hz_user)
    values = ("NaN", "Infinity", "-1", "0", "1e30", 1e300, "abc", None, [], {})
    codes = [client.post(POLICIES, _policy_body(recognition, premium=v), content_type=JSON).status_code
             for v in values]
    codes += [client.post(POLICIES, _policy_body(recognition, **extra), content_type=JSON).status_code
              for extra in ({"units": []}, {"units": "abc"}, {"units": [{"serial_number": "x"}]},
                            {"starts_on": "2025-02-30"})]
    codes.append(client.post(POLICIES, '{"premium": NaN}', content_type=JSON).status_code)

    claim = steps.in_joint_review(world)
    client.force_login(world.province_user)
    for value in ("NaN", "Infinity", "1e30", "-5", 1e300, "abc", [], "99999999999999.99", "16000.001", "16000.01"):
        codes.append(client.post(f"{CLAIMS}{claim.pk}/sign-off/", {
            "action": "industry_approve", "adjusted_amount": value, "adjustment_reason": "x"},
            content_type=JSON).status_code)

    assert set(codes) == {400}, codes
    assert Claim.objects.get(pk=claim.pk).signoffs.count() == 0
