"""The award and its refusals (open objection, notice required or running, recognition not valid on the award
date, dates, amount), the contract with its 30-day flag, delivery and acceptance, and who may."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from notifications.models import Notification
from procurement.models import Contract, Purchase
from procurement.services import awards
from procurement.services.objections import add_justification
from recognition.models import Recognition
from tests.procurement.builders import (
    REVOCATION_DOCUMENT,
    buyer_org,
    buyer_user,
    end_notice,
    errors_of,
    objection,
    purchase,
    recognition_for,
)

S = Purchase.State
TODAY = timezone.localdate


@pytest.fixture
def buyer(world):
    return buyer_user(buyer_org())


@pytest.fixture
def rec(world):
    return recognition_for(world.ent_hz)


def _award(user, p, awarded_on=None, amount="4800000"):
    return awards.record_award(actor=user, purchase_id=p.pk, awarded_on=awarded_on or TODAY(), amount=amount)


def _pending_with_objection(world, buyer, rec):
    p = purchase(buyer, rec, state="notice")
    o = objection(p)
    end_notice(p)
    from procurement.services.notices import close_due_notices

    close_due_notices()
    return Purchase.objects.get(pk=p.pk), o


# --- award ----------------------------------------------------------------------------------------------------


def test_award_after_the_notice_tells_the_supplier(world, buyer, rec):
    p = purchase(buyer, rec, state="pending_award")
    p = _award(buyer, p, amount="4,800,000.00")
    p = Purchase.objects.get(pk=p.pk)
    assert p.state == S.AWARDED and p.awarded_on == TODAY() and p.award_amount == Decimal("4800000.00")
    told = Notification.objects.filter(kind="purchase.awarded")
    assert list(told.values_list("recipient_id", flat=True)) == [world.ent_hz_user.pk]
    assert p.number in told.get().body
    event = AuditEvent.objects.get(action="purchase.awarded")
    assert event.before["state"] == "pending_award" and event.after["state"] == "awarded"


def test_award_refused_with_an_open_objection_then_accepted_after_a_justification(world, buyer, rec):
    p, o = _pending_with_objection(world, buyer, rec)
    message = errors_of(lambda: _award(buyer, p))["__all__"][0]
    assert "1 件异议" in message
    assert Purchase.objects.get(pk=p.pk).state == S.PENDING_AWARD
    add_justification(actor=buyer, purchase_id=p.pk, text="经补充论证，仍为唯一来源。", objection_ids=[o.pk])
    assert _award(buyer, p).state == S.AWARDED


def test_award_refused_while_the_notice_runs(world, buyer, rec):
    p = purchase(buyer, rec, state="notice")
    assert "公示期尚未结束" in errors_of(lambda: _award(buyer, p))["__all__"][0]
    end_notice(p)  # ended, not yet closed by beat: still refused (the close comes first)
    assert "__all__" in errors_of(lambda: _award(buyer, p))


def test_award_from_draft_refused_when_a_notice_is_required(world, buyer, rec, settings):
    p = purchase(buyer, rec, budget=Decimal("4000000"))  # at the threshold: a notice is required
    assert "公示" in errors_of(lambda: _award(buyer, p))["__all__"][0]
    settings.PROCUREMENT_TENDER_THRESHOLD = 4_000_001
    assert _award(buyer, p, amount="4000000").state == S.AWARDED


def test_a_single_source_award_reaching_the_threshold_needs_the_notice_whatever_the_budget(world, buyer, rec):
    # A budget set just under the threshold must not let a single-source award at or above it skip the notice.
    p = purchase(buyer, rec, budget=Decimal("3990000"))
    errors = errors_of(lambda: _award(buyer, p, amount="4000000"))
    assert "公示" in errors["amount"][0]
    assert Purchase.objects.get(pk=p.pk).state == S.DRAFT
    assert _award(buyer, p, amount="3999999.99").state == S.AWARDED
    # Other methods need no notice at any amount.
    tender = purchase(buyer, rec, method="open_tender", budget=Decimal("100"))
    assert _award(buyer, tender, amount="9000000").state == S.AWARDED
    # After a notice, any amount.
    noticed = purchase(buyer, rec, budget=Decimal("3000000"), state="pending_award")
    assert _award(buyer, noticed, amount="5000000").state == S.AWARDED


@pytest.mark.parametrize(
    ("method", "budget"),
    [
        ("single_source", Decimal("3999999.99")),
        ("open_tender", Decimal("9000000")),
        ("other", Decimal("9000000")),
    ],
)
def test_award_from_draft_when_no_notice_is_needed(world, buyer, rec, method, budget):
    extra = {"method_details": "竞争性谈判"} if method == "other" else {}
    p = purchase(buyer, rec, method=method, budget=budget, **extra)
    assert _award(buyer, p, amount=budget).state == S.AWARDED


def test_award_refused_before_the_notice_end_date(world, buyer, rec):
    p = purchase(buyer, rec, state="pending_award")
    end_notice(p, ended_days_ago=3)
    end = timezone.localdate(Purchase.objects.get(pk=p.pk).notice.ends_at)
    message = errors_of(lambda: _award(buyer, p, awarded_on=end - dt.timedelta(days=1)))["awarded_on"][0]
    assert end.isoformat() in message
    assert _award(buyer, p, awarded_on=end).state == S.AWARDED


def test_award_refuses_a_future_date_a_bad_amount_and_reports_both(world, buyer, rec):
    p = purchase(buyer, rec, state="pending_award")
    errors = errors_of(lambda: _award(buyer, p, awarded_on=TODAY() + dt.timedelta(days=1), amount="0"))
    assert {"awarded_on", "amount"} <= set(errors)
    for amount in ("-1", "abc", "", None, "1.001"):
        assert "amount" in errors_of(lambda a=amount: _award(buyer, p, amount=a))
    assert "awarded_on" in errors_of(lambda: _award(buyer, p, awarded_on="2026-13-01"))
    assert Purchase.objects.get(pk=p.pk).state == S.PENDING_AWARD


def test_award_refused_when_the_recognition_expired_between_creation_and_award(world, buyer):
    # Valid when the purchase is recorded (below the threshold: no notice), expired by the award date.
    last_day = TODAY() - dt.timedelta(days=10)
    rec = recognition_for(world.ent_hz)
    p = purchase(buyer, rec, budget=Decimal("1000000"))
    Recognition.objects.filter(pk=rec.pk).update(valid_until=last_day)
    message = errors_of(lambda: _award(buyer, p, amount="900000"))["awarded_on"][0]
    assert "过期" in message and last_day.isoformat() in message
    # Its last valid day is accepted: validity is judged on the award date.
    assert _award(buyer, p, awarded_on=last_day, amount="900000").state == S.AWARDED


def test_award_refused_when_the_recognition_was_revoked_during_the_notice(world, buyer, rec):
    p = purchase(buyer, rec, state="pending_award")
    Recognition.objects.filter(pk=rec.pk).update(
        status="revoked", revoked_at=timezone.now(), revocation_document=REVOCATION_DOCUMENT
    )
    message = errors_of(lambda: _award(buyer, p))["awarded_on"][0]
    assert "撤销" in message and REVOCATION_DOCUMENT in message
    assert Purchase.objects.get(pk=p.pk).state == S.PENDING_AWARD


def test_award_once(world, buyer, rec):
    p = purchase(buyer, rec, state="awarded")
    assert "已成交" in errors_of(lambda: _award(buyer, p))["__all__"][0]


def test_award_scope(world, buyer, rec):
    p = purchase(buyer, rec, state="pending_award")
    stranger = buyer_user(buyer_org(name="另一家医院"), username="buyer2")
    with pytest.raises(Http404):
        _award(stranger, p)
    for user in (world.ent_hz_user, world.province_user, world.finance_user, world.hz_user):
        with pytest.raises(PermissionDenied):
            _award(user, p)
    with pytest.raises(Http404):  # the bureau of another city does not see it
        _award(world.nb_user, p)


# --- contract -------------------------------------------------------------------------------------------------


def _awarded_on(buyer, rec, day):
    p = purchase(buyer, rec, budget=Decimal("1000000"))
    return _award(buyer, p, awarded_on=day, amount="1000000")


def _contract(user, p, **kw):
    values = {"number": "HT-2026-001", "amount": "990000", "signed_on": p.awarded_on, **kw}
    return awards.record_contract(actor=user, purchase_id=p.pk, **values)


def test_a_contract_signed_on_the_30th_day_is_on_time_on_the_31st_late(world, buyer, rec):
    day = TODAY() - dt.timedelta(days=40)
    on_time = _contract(buyer, _awarded_on(buyer, rec, day), signed_on=day + dt.timedelta(days=30))
    late = _contract(buyer, _awarded_on(buyer, rec, day), signed_on=day + dt.timedelta(days=31))
    assert (on_time.signed_late, late.signed_late) == (False, True)
    assert Purchase.objects.get(pk=on_time.purchase_id).state == S.CONTRACTED
    assert awards.is_late(day, day + dt.timedelta(days=30)) is False


def test_a_contract_with_acceptance_completes_the_purchase(world, buyer, rec):
    day = TODAY() - dt.timedelta(days=20)
    p = _awarded_on(buyer, rec, day)
    c = _contract(buyer, p, delivered_on=day + dt.timedelta(days=5), accepted_on=day + dt.timedelta(days=9))
    assert Purchase.objects.get(pk=p.pk).state == S.COMPLETED and c.accepted_on == day + dt.timedelta(days=9)
    assert AuditEvent.objects.filter(action="purchase.contract_recorded", object_id=str(p.pk)).exists()


def test_contract_refusals(world, buyer, rec):
    day = TODAY() - dt.timedelta(days=20)
    p = _awarded_on(buyer, rec, day)
    assert "signed_on" in errors_of(lambda: _contract(buyer, p, signed_on=day - dt.timedelta(days=1)))
    assert "signed_on" in errors_of(lambda: _contract(buyer, p, signed_on=TODAY() + dt.timedelta(days=1)))
    assert "signed_on" in errors_of(lambda: _contract(buyer, p, signed_on=None))
    assert "number" in errors_of(lambda: _contract(buyer, p, number=" "))
    assert "amount" in errors_of(lambda: _contract(buyer, p, amount="0"))
    assert "delivered_on" in errors_of(
        lambda: _contract(buyer, p, signed_on=day + dt.timedelta(days=2), delivered_on=day + dt.timedelta(days=1))
    )
    assert "accepted_on" in errors_of(lambda: _contract(buyer, p, accepted_on=day))
    assert "accepted_on" in errors_of(
        lambda: _contract(buyer, p, delivered_on=day + dt.timedelta(days=3), accepted_on=day + dt.timedelta(days=2))
    )
    assert not Contract.objects.exists()
    _contract(buyer, p)
    assert "__all__" in errors_of(lambda: _contract(buyer, p))  # once


def test_contract_needs_the_award_and_the_buyer(world, buyer, rec):
    p = purchase(buyer, rec, state="pending_award")
    assert "__all__" in errors_of(lambda: _contract(buyer, p, signed_on=TODAY()))
    awarded = purchase(buyer, rec, state="awarded")
    with pytest.raises(PermissionDenied):
        _contract(world.ent_hz_user, awarded)


# --- delivery and acceptance -----------------------------------------------------------------------------------


def test_delivery_then_acceptance(world, buyer, rec):
    day = TODAY() - dt.timedelta(days=20)
    p = _awarded_on(buyer, rec, day)
    _contract(buyer, p, signed_on=day + dt.timedelta(days=1))
    c = awards.record_delivery(actor=buyer, purchase_id=p.pk, delivered_on=day + dt.timedelta(days=6))
    assert c.delivered_on == day + dt.timedelta(days=6) and Purchase.objects.get(pk=p.pk).state == S.CONTRACTED
    c = awards.record_delivery(actor=buyer, purchase_id=p.pk, accepted_on=day + dt.timedelta(days=8))
    assert c.accepted_on == day + dt.timedelta(days=8) and Purchase.objects.get(pk=p.pk).state == S.COMPLETED
    assert AuditEvent.objects.filter(action="purchase.delivery_recorded").count() == 2
    assert "__all__" in errors_of(lambda: awards.record_delivery(actor=buyer, purchase_id=p.pk, accepted_on=TODAY()))


def test_delivery_refusals(world, buyer, rec):
    day = TODAY() - dt.timedelta(days=20)
    p = _awarded_on(buyer, rec, day)
    _contract(buyer, p, signed_on=day + dt.timedelta(days=2))

    def deliver(**kw):
        return awards.record_delivery(actor=buyer, purchase_id=p.pk, **kw)

    assert "delivered_on" in errors_of(lambda: deliver())
    assert "delivered_on" in errors_of(lambda: deliver(delivered_on=day + dt.timedelta(days=1)))
    assert "delivered_on" in errors_of(lambda: deliver(delivered_on=TODAY() + dt.timedelta(days=1)))
    assert "accepted_on" in errors_of(lambda: deliver(accepted_on=day + dt.timedelta(days=3)))  # not delivered
    assert "accepted_on" in errors_of(
        lambda: deliver(delivered_on=day + dt.timedelta(days=5), accepted_on=day + dt.timedelta(days=4))
    )
    with pytest.raises(PermissionDenied):
        awards.record_delivery(actor=world.province_user, purchase_id=p.pk, delivered_on=day)
    assert Purchase.objects.get(pk=p.pk).state == S.CONTRACTED


def test_every_procurement_notification_links_to_a_page_its_recipient_can_open(world, buyer, rec, client):
    from django.urls import resolve

    p, _objection = _pending_with_objection(world, buyer, rec)
    add_justification(actor=buyer, purchase_id=p.pk, text="论证", objection_ids=[_objection.pk])
    _award(buyer, p)
    notes = Notification.objects.filter(kind__startswith="purchase.")
    assert {n.kind for n in notes} == {
        "purchase.notice_published",
        "purchase.objection",
        "purchase.notice_closed",
        "purchase.awarded",
    }
    for note in notes:
        assert resolve(note.link).url_name == "purchase_detail"
        client.force_login(note.recipient)
        assert client.get(note.link).status_code == 200
