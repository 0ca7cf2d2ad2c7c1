"""Policies through their services: created and updated by the recognition's enterprise only, validated on their
face (insurer, buyer, units, amounts, dates, renewal), audited, frozen once a claim carrying them is under review."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import Organisation
from audit.models import AuditEvent
from insurance.models import Policy, PolicyUnit
from insurance.services.policies import create_policy, update_policy
from tests import factories as f
from tests.insurance import builders as b
from tests.insurance import claim_steps as steps

UNITS = [
    {"serial_number": "SN-001", "contract_number": "HT-2025-01", "contract_date": "2025-04-01",
     "delivered_on": "2025-05-01"},
    {"serial_number": "SN-002", "contract_number": "HT-2025-01", "contract_date": dt.date(2025, 4, 1),
     "delivered_on": dt.date(2025, 5, 2), "application_reward": True},
]


@pytest.fixture
def recognition(world):
    return b.recognition_for(world)


@pytest.fixture
def insurer():
    return b.insurer()


def data(insurer, **overrides):
    values = {
        "insurer_id": insurer.pk, "policy_number": "PZHB202500000001", "equipment_value": "2000000.00",
        "premium": "40000", "coverage_limit": "2000000", "starts_on": "2025-06-01", "ends_on": "2026-05-31",
        "premium_paid_on": "2025-06-05", "units": UNITS, "buyer_id": b.buyer().pk,
    }
    return {**values, **overrides}


def create(world, recognition, insurer, user=None, **overrides):
    return create_policy(actor=user or world.ent_hz_user, recognition_id=recognition.pk, **data(insurer, **overrides))


def refused(world, recognition, insurer, field, **overrides):
    values = data(insurer, **overrides)
    before = (Policy.objects.count(), PolicyUnit.objects.count(), Organisation.objects.count())
    with pytest.raises(ValidationError) as exc:
        create_policy(actor=world.ent_hz_user, recognition_id=recognition.pk, **values)
    assert field in exc.value.message_dict, exc.value.message_dict
    assert (Policy.objects.count(), PolicyUnit.objects.count(), Organisation.objects.count()) == before
    return exc.value.message_dict[field][0]


def test_create_policy_stores_units_and_audits(world, recognition, insurer):
    policy = create(world, recognition, insurer)
    assert policy.enterprise_id == world.ent_hz.pk and policy.recognition_id == recognition.pk
    assert policy.premium == Decimal("40000.00") and policy.starts_on == dt.date(2025, 6, 1)
    units = list(policy.units.order_by("serial_number").values_list("serial_number", "application_reward"))
    assert units == [("SN-001", False), ("SN-002", True)]
    event = AuditEvent.objects.get(action="policy.created")
    assert event.after["policy_number"] == "PZHB202500000001" and len(event.after["units"]) == 2


def test_only_the_recognitions_enterprise_creates(world, recognition, insurer):
    insurer_user = f.member(insurer)
    for user in (world.ent_nb_user, insurer_user, world.province_user, world.binjiang_user):
        with pytest.raises(Http404):
            create(world, recognition, insurer, user=user)
    assert not Policy.objects.exists()


def test_revoked_recognition_refused(world, insurer):
    recognition = b.recognition_for(world, status="revoked")
    assert "撤销" in refused(world, recognition, insurer, "recognition")


def test_insurer_must_be_an_insurer(world, recognition, insurer):
    refused(world, recognition, insurer, "insurer", insurer_id=b.buyer().pk)
    refused(world, recognition, insurer, "insurer", insurer_id=None)


@pytest.mark.parametrize("field, value", [
    ("premium", "0"), ("premium", "-5"), ("equipment_value", "abc"), ("coverage_limit", ""),
    ("premium", "1.234"), ("premium", "3000000"),
])
def test_amounts_must_be_positive_money(world, recognition, insurer, field, value):
    refused(world, recognition, insurer, field, **{field: value})


def test_dates_checked(world, recognition, insurer):
    refused(world, recognition, insurer, "ends_on", ends_on="2025-06-01")
    refused(world, recognition, insurer, "starts_on", starts_on="2025/06/01")
    refused(world, recognition, insurer, "premium_paid_on", premium_paid_on="2999-01-01")


@pytest.mark.parametrize("units, message", [
    ([], "至少"),
    ([UNITS[0], {**UNITS[1], "serial_number": "SN-001"}], "重复"),
    ([{**UNITS[0], "delivered_on": "2025-03-01"}], "早于"),
    ([{**UNITS[0], "contract_number": ""}], "销售合同编号"),
    ([{**UNITS[0], "delivered_on": "2999-01-01"}], "今天"),
    ("SN-001", "至少"),
])
def test_units_validated(world, recognition, insurer, units, message):
    assert message in refused(world, recognition, insurer, "units", units=units)


def test_policy_number_unique_per_insurer(world, recognition, insurer):
    create(world, recognition, insurer)
    refused(world, recognition, insurer, "policy_number")
    assert create(world, recognition, b.insurer()).policy_number == "PZHB202500000001"


def test_buyer_by_name_and_uscc_registers_an_other_organisation_once(world, recognition, insurer):
    uscc = f.make_uscc()
    policy = create(world, recognition, insurer, buyer_id=None, buyer_name="某某水泥有限公司", buyer_uscc=uscc)
    assert policy.buyer.kind == Organisation.Kind.OTHER and policy.buyer.uscc == uscc
    assert AuditEvent.objects.filter(action="org.created", object_id=str(policy.buyer_id)).count() == 1
    again = create(world, recognition, insurer, policy_number="P2", buyer_id=None, buyer_name="别名", buyer_uscc=uscc)
    assert again.buyer_id == policy.buyer_id
    refused(world, recognition, insurer, "buyer_uscc", policy_number="P3", buyer_id=None, buyer_name="坏代码",
            buyer_uscc="91330100000000000X")
    refused(world, recognition, insurer, "buyer", policy_number="P4", buyer_id=world.hz.pk)


def test_renewal_must_be_of_the_same_recognition_and_end_before(world, recognition, insurer):
    first = create(world, recognition, insurer)
    renewal = create(world, recognition, insurer, policy_number="P-2026", starts_on="2026-06-01",
                     ends_on="2027-05-31", renewal_of_id=first.pk)
    assert renewal.renewal_of_id == first.pk
    refused(world, recognition, insurer, "renewal_of", policy_number="P-early", starts_on="2026-01-01",
            ends_on="2026-12-31", renewal_of_id=first.pk)
    other = b.policy(world, b.recognition_for(world), premium="1000", equipment_value="100000",
                     starts_on=dt.date(2024, 1, 1))
    refused(world, recognition, insurer, "renewal_of", policy_number="P-other", starts_on="2026-06-01",
            ends_on="2027-05-31", renewal_of_id=other.pk)


def test_update_replaces_units_and_audits_the_change(world, recognition, insurer):
    policy = create(world, recognition, insurer)
    update_policy(actor=world.ent_hz_user, policy_id=policy.pk, premium="30000", units=UNITS[:1])
    policy.refresh_from_db()
    assert policy.premium == Decimal("30000.00") and policy.units.count() == 1
    event = AuditEvent.objects.get(action="policy.updated")
    assert event.before["premium"] == "40000.00" and event.after["premium"] == "30000.00"
    assert len(event.before["units"]) == 2 and len(event.after["units"]) == 1
    update_policy(actor=world.ent_hz_user, policy_id=policy.pk, premium="30000")
    assert AuditEvent.objects.filter(action="policy.updated").count() == 1  # nothing changed: no event
    with pytest.raises(ValidationError):
        update_policy(actor=world.ent_hz_user, policy_id=policy.pk, enterprise_id=world.ent_nb.pk)


def test_update_by_others_refused(world, recognition, insurer):
    policy = create(world, recognition, insurer)
    with pytest.raises(Http404):
        update_policy(actor=world.ent_nb_user, policy_id=policy.pk, premium="1")
    with pytest.raises(PermissionDenied):  # the insurer reads it but does not change it
        update_policy(actor=f.member(insurer), policy_id=policy.pk, premium="1")
    assert Policy.objects.get(pk=policy.pk).premium == Decimal("40000.00")


def test_policy_frozen_once_its_claim_is_submitted(world):
    claim = steps.draft(world)
    policy = claim.policies.get()
    update_policy(actor=world.ent_hz_user, policy_id=policy.pk, policy_number="PZHB-CHANGED")
    from insurance.services.claims import submit

    submit(actor=world.ent_hz_user, claim_id=claim.pk)
    with pytest.raises(PermissionDenied):
        update_policy(actor=world.ent_hz_user, policy_id=policy.pk, premium="1000")
    assert Policy.objects.get(pk=policy.pk).premium == Decimal("20000.00")
