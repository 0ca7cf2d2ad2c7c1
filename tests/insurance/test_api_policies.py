"""The policy API: the enterprise records and changes its policies with their units; lists are scoped and
filtered; bad input names the field and writes nothing; other enterprises get 404; the list's queries do not
grow with its length; the Excel export."""

import datetime as dt
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import Organisation
from insurance.models import Policy, PolicyUnit
from tests import factories as f
from tests.insurance import builders as b
from tests.insurance import claim_steps as steps

API = "/api/v1/insurance/policies/"
JSON = "application/json"

pytestmark = pytest.mark.django_db


def _payload(recognition, insurer, buyer, /, **overrides):
    data = {
        "recognition": recognition.pk, "insurer": insurer.pk, "buyer": buyer.pk, "policy_number": "PZHB-API-0001",
        "equipment_value": "1000000.00", "premium": "20000.00", "coverage_limit": "1000000.00",
        "starts_on": "2025-06-01", "ends_on": "2026-05-31", "premium_paid_on": "2025-06-01",
        "units": [{"serial_number": "SN-1", "contract_number": "HT-1", "contract_date": "2025-05-01",
                   "delivered_on": "2025-05-20"},
                  {"serial_number": "SN-2", "contract_number": "HT-1", "contract_date": "2025-05-01",
                   "delivered_on": "2025-05-22", "application_reward": True}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def setup(world):
    return b.recognition_for(world), b.insurer(), b.buyer()


def test_anonymous_gets_401(client):
    assert client.get(API).status_code == 401
    assert client.post(API, {}, content_type=JSON).status_code == 401


def test_the_enterprise_records_a_policy_with_its_units(world, client, setup):
    recognition, insurer, buyer = setup
    client.force_login(world.ent_hz_user)

    response = client.post(API, _payload(recognition, insurer, buyer), content_type=JSON)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["policy_number"] == "PZHB-API-0001" and body["enterprise"] == world.ent_hz.pk
    assert body["insurer_name"] == insurer.name and body["buyer_name"] == buyer.name
    assert body["unit_count"] == 2 and body["premium"] == "20000.00"
    assert [(u["serial_number"], u["application_reward"]) for u in body["units"]] == [("SN-1", False),
                                                                                       ("SN-2", True)]
    assert client.get(f"{API}{body['id']}/").json()["units"] == body["units"]


def test_a_new_buyer_by_name_and_uscc(world, client, setup):
    recognition, insurer, _buyer = setup
    client.force_login(world.ent_hz_user)
    data = _payload(recognition, insurer, _buyer, buyer=None, buyer_name="新用户单位有限公司",
                    buyer_uscc=f.make_uscc())

    response = client.post(API, data, content_type=JSON)

    assert response.status_code == 201, response.json()
    assert response.json()["buyer_name"] == "新用户单位有限公司"
    assert Organisation.objects.filter(name="新用户单位有限公司", kind=Organisation.Kind.OTHER).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"policy_number": ""}, "policy_number"),
        ({"premium": "abc"}, "premium"),
        ({"premium": "2000000.00"}, "premium"),
        ({"equipment_value": "-1"}, "equipment_value"),
        ({"ends_on": "2025-05-01"}, "ends_on"),
        ({"starts_on": "not a date"}, "starts_on"),
        ({"units": []}, "units"),
        ({"units": [{"serial_number": "SN-1", "contract_number": "HT-1", "contract_date": "2025-05-01"}]},
         "units.delivered_on"),
        ({"insurer": 999999}, "insurer"),
        ({"buyer": None}, "buyer"),
        ({"renewal_of": 999999}, "renewal_of"),
        ({"recognition": None}, "recognition"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, client, setup, overrides, field):
    recognition, insurer, buyer = setup
    client.force_login(world.ent_hz_user)
    orgs = Organisation.objects.count()

    response = client.post(API, _payload(recognition, insurer, buyer, **overrides), content_type=JSON)

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error
    assert not Policy.objects.exists() and not PolicyUnit.objects.exists()
    assert Organisation.objects.count() == orgs


def test_a_duplicate_policy_number_of_the_insurer_is_refused(world, client, setup):
    recognition, insurer, buyer = setup
    client.force_login(world.ent_hz_user)
    assert client.post(API, _payload(recognition, insurer, buyer), content_type=JSON).status_code == 201

    again = client.post(API, _payload(recognition, insurer, buyer), content_type=JSON)

    assert again.status_code == 400 and "policy_number" in again.json()["error"]["fields"]
    assert Policy.objects.count() == 1


@pytest.mark.parametrize("who", ["ent_nb_user", "hz_user", "province_user"])
def test_only_the_recognitions_enterprise_records_a_policy(world, client, setup, who):
    recognition, insurer, buyer = setup
    client.force_login(getattr(world, who))

    response = client.post(API, _payload(recognition, insurer, buyer), content_type=JSON)

    assert response.status_code == 404
    assert not Policy.objects.exists()


def test_the_enterprise_changes_a_policy_and_its_units(world, client, setup):
    recognition, _insurer, _buyer = setup
    policy = b.policy(world, recognition, premium="20000", equipment_value="1000000", starts_on=dt.date(2025, 6, 1),
                      units=[("SN-1", dt.date(2025, 5, 1), dt.date(2025, 5, 20))])
    client.force_login(world.ent_hz_user)
    units = [{"serial_number": "SN-9", "contract_number": "HT-9", "contract_date": "2025-05-02",
              "delivered_on": "2025-05-21"}]

    response = client.patch(f"{API}{policy.pk}/", {"premium": "15000.00", "units": units}, content_type=JSON)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["premium"] == "15000.00" and [u["serial_number"] for u in body["units"]] == ["SN-9"]
    assert body["policy_number"] == policy.policy_number


def test_a_bad_change_names_the_field_and_changes_nothing(world, client, setup):
    recognition, _insurer, _buyer = setup
    policy = b.policy(world, recognition, premium="20000", equipment_value="1000000", starts_on=dt.date(2025, 6, 1),
                      units=[("SN-1", dt.date(2025, 5, 1), dt.date(2025, 5, 20))])
    client.force_login(world.ent_hz_user)

    bad = client.patch(f"{API}{policy.pk}/", {"premium": "15000.00", "ends_on": "2025-01-01"}, content_type=JSON)
    recognition_change = client.patch(f"{API}{policy.pk}/", {"recognition": recognition.pk}, content_type=JSON)

    assert bad.status_code == 400 and "ends_on" in bad.json()["error"]["fields"]
    assert recognition_change.status_code == 400 and "recognition" in recognition_change.json()["error"]["fields"]
    policy.refresh_from_db()
    assert str(policy.premium) == "20000.00"


def test_other_enterprises_and_staff_cannot_change_a_policy(world, client):
    claim = steps.submitted(world)
    policy = claim.policies.get()
    client.force_login(world.ent_nb_user)
    assert client.get(f"{API}{policy.pk}/").status_code == 404
    assert client.patch(f"{API}{policy.pk}/", {"premium": "1.00"}, content_type=JSON).status_code == 404
    client.force_login(world.province_user)  # sees it through the claim, but does not own it
    assert client.get(f"{API}{policy.pk}/").status_code == 200
    assert client.patch(f"{API}{policy.pk}/", {"premium": "1.00"}, content_type=JSON).status_code == 403
    # The enterprise itself: the policy is carried by a claim under review.
    client.force_login(world.ent_hz_user)
    assert client.patch(f"{API}{policy.pk}/", {"premium": "1.00"}, content_type=JSON).status_code == 403
    policy.refresh_from_db()
    assert str(policy.premium) == "20000.00"


def test_lists_are_scoped_and_filtered(world, client):
    rec_a, rec_b = b.recognition_for(world), b.recognition_for(world)
    insurer_a, insurer_b = b.insurer(), b.insurer()
    p1 = b.policy(world, rec_a, premium="1", equipment_value="100", starts_on=dt.date(2025, 6, 1), insurer=insurer_a)
    p2 = b.policy(world, rec_b, premium="1", equipment_value="100", starts_on=dt.date(2026, 6, 1), insurer=insurer_b)
    nb_rec = b.recognition_for(world, enterprise=world.ent_nb)
    p3 = b.policy(world, nb_rec, premium="1", equipment_value="100", starts_on=dt.date(2025, 6, 1), insurer=insurer_a)

    def ids(**params):
        response = client.get(API, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    client.force_login(world.ent_hz_user)
    assert ids() == {p1.pk, p2.pk}
    assert ids(recognition=rec_a.pk) == {p1.pk}
    assert ids(insurer=insurer_b.pk) == {p2.pk}
    assert ids(year=2026) == {p2.pk}
    assert ids(q=p1.policy_number) == {p1.pk}
    bad = client.get(API, {"year": "abc"})
    assert bad.status_code == 400 and "year" in bad.json()["error"]["fields"]
    client.force_login(f.member(insurer_a, username="insurer_a"))
    assert ids() == {p1.pk, p3.pk}
    client.force_login(world.nb_user)  # a bureau sees policies only through submitted claims
    assert ids() == set()
    assert client.get(f"{API}{p3.pk}/").status_code == 404


def test_the_list_queries_do_not_grow_with_its_length(world, client):
    recognition = b.recognition_for(world)
    units = [("SN-A", dt.date(2025, 5, 1), dt.date(2025, 5, 2))]
    b.policy(world, recognition, premium="1", equipment_value="100", starts_on=dt.date(2025, 6, 1), units=units)
    client.force_login(world.ent_hz_user)
    client.get(API)
    with CaptureQueriesContext(connection) as one:
        assert client.get(API).json()["count"] == 1
    for i in range(12):
        b.policy(world, b.recognition_for(world) if i % 3 == 0 else recognition, premium="1", equipment_value="100",
                 starts_on=dt.date(2025, 6, 1), insurer=b.insurer(), buyer=b.buyer(),
                 units=[(f"SN-{i}", dt.date(2025, 5, 1), dt.date(2025, 5, 2))])
    with CaptureQueriesContext(connection) as many:
        body = client.get(API).json()
    assert body["count"] == 13 and all(row["unit_count"] == 1 for row in body["results"])
    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_export_is_an_excel_workbook_of_the_users_policies(world, client):
    recognition = b.recognition_for(world)
    mine = b.policy(world, recognition, premium="1", equipment_value="100", starts_on=dt.date(2025, 6, 1))
    other = b.policy(world, b.recognition_for(world, enterprise=world.ent_nb), premium="1", equipment_value="100",
                     starts_on=dt.date(2025, 6, 1))
    client.force_login(world.ent_hz_user)

    response = client.get(f"{API}export.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = {c for row in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True) for c in row}
    assert mine.policy_number in cells and other.policy_number not in cells
    client.logout()
    assert client.get(f"{API}export.xlsx").status_code == 401
