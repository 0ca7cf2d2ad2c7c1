"""保单 pages: the enterprise lists, creates (units as a formset) and edits its policies; an insurer reads the
policies naming it; refused input is shown next to its field and writes nothing; others get 404; constant queries."""

import datetime as dt

import pytest
from django.urls import reverse

from insurance.models import Policy
from tests import factories as f
from tests.insurance import builders as b
from tests.insurance import claim_steps as steps

pytestmark = pytest.mark.django_db


def _form(recognition, insurer, buyer, **overrides):
    data = {
        "recognition": str(recognition.pk), "insurer": str(insurer.pk), "policy_number": "PZHB-NEW-1",
        "buyer": str(buyer.pk), "buyer_name": "", "buyer_uscc": "", "equipment_value": "1000000",
        "premium": "20000", "coverage_limit": "1000000", "starts_on": "2025-06-01", "ends_on": "2026-05-31",
        "premium_paid_on": "2025-06-01", "renewal_of": "",
        "units-TOTAL_FORMS": "2", "units-INITIAL_FORMS": "0", "units-MIN_NUM_FORMS": "0", "units-MAX_NUM_FORMS": "500",
        "units-0-serial_number": "SN-1", "units-0-contract_number": "HT-1", "units-0-contract_date": "2025-05-01",
        "units-0-delivered_on": "2025-05-20",
        "units-1-serial_number": "", "units-1-contract_number": "", "units-1-contract_date": "",
        "units-1-delivered_on": "",
    }
    data.update(overrides)
    return data


def test_enterprise_creates_policy_with_units(client, world):
    recognition = b.recognition_for(world)
    insurer, buyer = b.insurer(), b.buyer()
    client.force_login(world.ent_hz_user)
    page = client.get(reverse("policy_new") + f"?recognition={recognition.pk}")
    assert page.status_code == 200 and 'name="units-0-serial_number"' in page.content.decode()
    response = client.post(reverse("policy_new"), _form(recognition, insurer, buyer, **{"units-1-serial_number": "SN-2",
                           "units-1-contract_number": "HT-2", "units-1-contract_date": "2025-05-02",
                           "units-1-delivered_on": "2025-05-21", "units-1-application_reward": "on"}))
    policy = Policy.objects.get(policy_number="PZHB-NEW-1")
    assert response.status_code == 302 and response["Location"] == reverse("policy_detail", args=[policy.pk])
    assert [(u.serial_number, u.application_reward) for u in policy.units.order_by("serial_number")] == [
        ("SN-1", False), ("SN-2", True)]
    detail = client.get(response["Location"]).content.decode()
    assert "SN-2" in detail and 'data-testid="edit-policy"' in detail


def test_more_rows_adds_blank_units_without_saving(client, world):
    recognition = b.recognition_for(world)
    client.force_login(world.ent_hz_user)
    response = client.post(reverse("policy_new"), {**_form(recognition, b.insurer(), b.buyer()), "_more": "1"})
    assert response.status_code == 200 and 'name="units-6-serial_number"' in response.content.decode()
    assert not Policy.objects.exists()


def test_create_refused_values_next_to_fields(client, world):
    recognition = b.recognition_for(world)
    client.force_login(world.ent_hz_user)
    response = client.post(reverse("policy_new"), _form(recognition, b.insurer(), b.buyer(), ends_on="2025-01-01",
                                                        premium="2000000"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-field-error="ends_on"' in html and 'data-field-error="premium"' in html
    assert not Policy.objects.exists()


def test_create_unit_errors_above_units(client, world):
    recognition = b.recognition_for(world)
    client.force_login(world.ent_hz_user)
    response = client.post(reverse("policy_new"), _form(recognition, b.insurer(), b.buyer(), **{
        "units-0-delivered_on": "2025-04-01"}))
    html = response.content.decode()
    assert response.status_code == 400 and 'data-field-error="units"' in html and "交付日期早于合同签订日期" in html
    assert not Policy.objects.exists()


def test_create_needs_a_unit(client, world):
    recognition = b.recognition_for(world)
    client.force_login(world.ent_hz_user)
    response = client.post(reverse("policy_new"), _form(recognition, b.insurer(), b.buyer(), **{
        "units-0-serial_number": "", "units-0-contract_number": "", "units-0-contract_date": "",
        "units-0-delivered_on": ""}))
    assert response.status_code == 400 and 'data-field-error="units"' in response.content.decode()


def test_create_for_other_enterprises_recognition_is_404(client, world):
    other = b.recognition_for(world, enterprise=world.ent_nb)
    client.force_login(world.ent_hz_user)
    assert client.get(reverse("policy_new") + f"?recognition={other.pk}").status_code == 404
    response = client.post(reverse("policy_new"), _form(other, b.insurer(), b.buyer()))
    assert response.status_code == 400  # not among the choices: refused by the form
    assert not Policy.objects.exists()


def test_enterprise_edits_policy(client, world):
    recognition, policy = steps.eligible_recognition(world)
    client.force_login(world.ent_hz_user)
    page = client.get(reverse("policy_edit", args=[policy.pk]))
    assert page.status_code == 200
    unit = policy.units.get()
    data = _form(recognition, policy.insurer, policy.buyer, policy_number=policy.policy_number, premium="15000", **{
        "units-TOTAL_FORMS": "1", "units-INITIAL_FORMS": "1", "units-0-serial_number": unit.serial_number})
    data.pop("recognition")
    response = client.post(reverse("policy_edit", args=[policy.pk]), data)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert str(policy.premium) == "15000.00"


def test_policy_locked_by_submitted_claim_not_editable(client, world):
    claim = steps.submitted(world)
    policy = claim.policies.get()
    client.force_login(world.ent_hz_user)
    response = client.get(reverse("policy_edit", args=[policy.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("policy_detail", args=[policy.pk])
    assert 'data-testid="edit-policy"' not in client.get(response["Location"]).content.decode()


def test_insurer_reads_its_policies_only(client, world):
    _, policy = steps.eligible_recognition(world)
    other_insurer = b.insurer()
    recognition2 = b.recognition_for(world)
    other = b.policy(world, recognition2, premium="100", equipment_value="10000", starts_on=dt.date(2025, 6, 1),
                     insurer=other_insurer)
    insurer_user = f.member(policy.insurer)
    client.force_login(insurer_user)
    html = client.get(reverse("policy_list")).content.decode()
    assert f'data-policy="{policy.pk}"' in html and f'data-policy="{other.pk}"' not in html
    assert 'data-testid="new-policy"' not in html
    detail = client.get(reverse("policy_detail", args=[policy.pk]))
    assert detail.status_code == 200 and 'data-testid="edit-policy"' not in detail.content.decode()
    assert client.get(reverse("policy_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("policy_edit", args=[policy.pk])).status_code == 404


def test_other_enterprise_gets_404(client, world):
    _, policy = steps.eligible_recognition(world)
    client.force_login(world.ent_nb_user)
    assert client.get(reverse("policy_detail", args=[policy.pk])).status_code == 404
    assert client.get(reverse("policy_edit", args=[policy.pk])).status_code == 404
    assert f'data-policy="{policy.pk}"' not in client.get(reverse("policy_list")).content.decode()


def test_policy_list_empty_state_and_filter(client, world):
    client.force_login(world.ent_hz_user)
    assert 'data-testid="empty"' in client.get(reverse("policy_list")).content.decode()
    _, policy = steps.eligible_recognition(world)
    html = client.get(reverse("policy_list"), {"q": "nothing-like-this"}).content.decode()
    assert 'data-testid="empty"' in html and f'data-policy="{policy.pk}"' not in html
    html = client.get(reverse("policy_list"), {"q": policy.policy_number}).content.decode()
    assert f'data-policy="{policy.pk}"' in html


def test_policy_export(client, world):
    steps.eligible_recognition(world)
    client.force_login(world.ent_hz_user)
    response = client.get(reverse("policy_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_policy_list_constant_queries(client, world, django_assert_num_queries):
    steps.eligible_recognition(world)
    client.force_login(world.ent_hz_user)
    client.get(reverse("policy_list"))  # warm the session and the roles

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("policy_list")).status_code == 200
        return len(ctx)

    one = count()
    for _ in range(4):
        steps.eligible_recognition(world)
    with django_assert_num_queries(one):
        client.get(reverse("policy_list"))


def test_policy_page_shows_the_enterprise_its_own_labels_and_staff_theirs(client, world):
    claim = steps.submitted(world)
    policy = claim.policies.get()
    client.force_login(world.ent_hz_user)
    assert "地方经信部门初审中" in client.get(reverse("policy_detail", args=[policy.pk])).content.decode()
    client.force_login(world.province_user)
    staff = client.get(reverse("policy_detail", args=[policy.pk]))
    assert staff.status_code == 200
    assert "地方经信部门初审中" not in staff.content.decode()
