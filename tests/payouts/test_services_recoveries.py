"""Claw-back: revoking a recognition stops the money not yet with the enterprise and opens recoveries for what
was paid (enterprise) or allocated (city); repayments until the whole amount is back."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from notifications.models import Notification
from payouts.models import Payout, Recovery
from payouts.services.budgets import budget_position
from payouts.services.proposals import propose_compensation
from payouts.services.recoveries import open_recoveries, record_repayment
from recognition.services.recognitions import revoke
from tests import factories as f
from tests.payouts import builders as b

DOCUMENT = "浙经信装备〔2026〕99号"


def _compensation(world, rec, cover_year, state):
    (claim,) = b.payable_claims(world, rec, cover_years=(cover_year,))
    return b.advance(propose_compensation(claim_id=claim.pk), state)


@pytest.fixture
def paid(world):
    """A recognition with a disbursed reward, a disbursed compensation, an allocated and a proposed one."""
    rec = b.recognition(world)
    reward = b.reward_payout(rec, state="disbursed")
    return rec, {
        "reward": reward,
        "disbursed": _compensation(world, rec, 1, "disbursed"),
        "allocated": _compensation(world, rec, 2, "allocated"),
        "proposed": _compensation(world, rec, 3, "proposed"),
    }


def _revoke(world, rec):
    return revoke(actor=world.province_user, recognition_id=rec.pk, reason="提供虚假材料", document_number=DOCUMENT)


def test_revocation_opens_recoveries_and_stops_the_rest(world, paid):
    rec, p = paid
    committed_before = budget_position(p["allocated"].year, "compensation")["committed"]
    _revoke(world, rec)
    recoveries = {r.payout_id: r for r in Recovery.objects.all()}
    assert set(recoveries) == {p["reward"].pk, p["disbursed"].pk, p["allocated"].pk}
    assert recoveries[p["reward"].pk].debtor == "enterprise"
    assert recoveries[p["reward"].pk].amount == Decimal("1000000.00")
    assert recoveries[p["disbursed"].pk].debtor == "enterprise"
    city = recoveries[p["allocated"].pk]
    assert city.debtor == "city" and city.amount == Decimal("10000.00") and city.state == "open"
    assert city.reason == f"认定已撤销（{DOCUMENT}）" and city.revocation_document == DOCUMENT
    states = {k: Payout.objects.get(pk=v.pk).state for k, v in p.items()}
    assert states == {"reward": "disbursed", "disbursed": "disbursed", "allocated": "rejected", "proposed": "rejected"}
    proposed = Payout.objects.get(pk=p["proposed"].pk)
    assert proposed.rejected_reason == f"认定已撤销（{DOCUMENT}）" and proposed.rejected_by == world.province_user
    assert not Recovery.objects.filter(payout=proposed).exists()
    # The allocated payout still counts against the budget: the city holds the money until it is repaid.
    assert budget_position(p["allocated"].year, "compensation")["committed"] == committed_before
    assert AuditEvent.objects.filter(action="recovery.opened").count() == 3
    assert AuditEvent.objects.filter(action="payout.rejected").count() == 2
    assert Notification.objects.filter(kind="recovery.opened", recipient=world.ent_hz_user).count() == 2
    assert Notification.objects.filter(kind="recovery.opened", recipient=world.hz_user).count() == 3
    assert Notification.objects.filter(kind="recovery.opened", recipient=world.finance_user).count() == 3


def test_the_hook_is_idempotent(world, paid):
    rec, _ = paid
    _revoke(world, rec)
    assert open_recoveries(recognition_id=rec.pk, actor=world.province_user) == []
    assert open_recoveries(recognition_id=rec.pk) == []
    assert Recovery.objects.count() == 3
    assert AuditEvent.objects.filter(action="recovery.opened").count() == 3


def test_open_recoveries_needs_a_revoked_recognition(world):
    rec = b.recognition(world)
    b.reward_payout(rec, state="disbursed")
    assert "未撤销" in b.errors_of(lambda: open_recoveries(recognition_id=rec.pk))["recognition"][0]
    assert not Recovery.objects.exists()


def test_a_revocation_without_payouts_opens_nothing(world):
    rec = b.recognition(world)
    _revoke(world, rec)
    assert not Recovery.objects.exists()


def test_a_recognition_revoked_before_its_rewards_are_proposed_gets_none(world):
    batch = b.batch(2025)
    rec = b.recognition(world, batch=batch)
    kept = b.recognition(world, batch=batch)
    b.reward_rule(batch)
    _revoke(world, rec)
    created = b.reward_payout(kept)
    assert [p.recognition_id for p in Payout.objects.all()] == [created.recognition_id]


@pytest.fixture
def city_finance(world):
    bureau = f.bureau("city", "3301", department="finance", name="杭州市财政局")
    return f.member(bureau, username="hz_fin")


def test_repayments_partial_then_full(world, paid, city_finance):
    rec, p = paid
    _revoke(world, rec)
    recovery = Recovery.objects.get(payout=p["reward"])
    with b.clock(dt.date(2026, 7, 1)):
        first = record_repayment(
            actor=world.finance_user,
            recovery_id=recovery.pk,
            amount="400000.00",
            paid_on="2026-06-30",
            reference="JK-001",
        )
        assert first.amount == Decimal("400000.00") and first.recorded_by == world.finance_user
        recovery = Recovery.objects.get(pk=recovery.pk)
        assert recovery.repaid_amount == Decimal("400000.00") and recovery.state == "open"
        message = b.errors_of(
            lambda: record_repayment(
                actor=world.finance_user,
                recovery_id=recovery.pk,
                amount="600000.01",
                paid_on="2026-07-01",
                reference="JK-2",
            )
        )
        assert "600,000.00" in message["amount"][0]
        record_repayment(
            actor=city_finance, recovery_id=recovery.pk, amount="600000", paid_on="2026-07-01", reference="JK-002"
        )
    recovery = Recovery.objects.get(pk=recovery.pk)
    assert recovery.state == "repaid" and recovery.repaid_amount == recovery.amount and recovery.closed_at
    assert recovery.repayments.count() == 2
    assert (
        "全部追回"
        in b.errors_of(
            lambda: record_repayment(
                actor=world.finance_user, recovery_id=recovery.pk, amount="1", paid_on="2026-07-01", reference="x"
            )
        )["__all__"][0]
    )
    events = AuditEvent.objects.filter(action="recovery.repayment_recorded").order_by("id")
    assert [e.after["state"] for e in events] == ["open", "repaid"]


def test_repayment_checks_and_roles(world, paid):
    rec, p = paid
    _revoke(world, rec)
    recovery = Recovery.objects.get(payout=p["allocated"])
    for user in (world.province_user, world.hz_user, world.ent_hz_user):
        with pytest.raises(PermissionDenied):
            record_repayment(
                actor=user, recovery_id=recovery.pk, amount="1", paid_on=timezone.localdate(), reference="x"
            )
    for user, value in ((world.nb_user, recovery.pk), (world.finance_user, "１"), (world.finance_user, 10**9)):
        with pytest.raises(Http404):
            record_repayment(actor=user, recovery_id=value, amount="1", paid_on=timezone.localdate(), reference="x")
    errors = b.errors_of(
        lambda: record_repayment(
            actor=world.finance_user,
            recovery_id=recovery.pk,
            amount="0",
            paid_on=timezone.localdate() + dt.timedelta(days=1),
            reference="",
        )
    )
    assert set(errors) == {"amount", "paid_on", "reference"}
    assert Recovery.objects.get(pk=recovery.pk).repaid_amount == 0


def test_recovered_money_is_released_from_the_budget_as_it_comes_back(world, paid):
    """Budget arithmetic after a claw-back: money with the city or the enterprise stays committed until repaid;
    the dashboard's budget line says the same as budget_position."""
    from payouts.dashboard import totals

    rec, p = paid
    year = p["allocated"].year
    before = budget_position(year, "compensation")
    _revoke(world, rec)
    assert budget_position(year, "compensation") == before
    city = Recovery.objects.get(payout=p["allocated"])
    owed = Recovery.objects.get(payout=p["disbursed"])
    today = timezone.localdate()
    record_repayment(actor=world.finance_user, recovery_id=city.pk, amount="4000", paid_on=today, reference="R1")
    record_repayment(actor=world.finance_user, recovery_id=owed.pk, amount="10000", paid_on=today, reference="R2")
    after = budget_position(year, "compensation")
    assert after["committed"] == before["committed"] - Decimal("14000.00")
    assert after["remaining"] == before["remaining"] + Decimal("14000.00")
    assert after["disbursed"] == before["disbursed"]  # what was paid out stays a fact
    line = {(b.year, b.kind): b for b in totals(user=world.finance_user).budgets}[(year, "compensation")]
    assert (line.committed, line.remaining) == (after["committed"], after["remaining"])
