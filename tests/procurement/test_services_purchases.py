"""首购项目 through its services: creation with its number and the refusals per field, the recognition's validity
(revoked, expired, not yet valid: refused with the reason), changes while a draft, cancellation, and who may."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from procurement.models import Purchase, SingleSourceNotice
from procurement.services import notices
from procurement.services.purchases import cancel_purchase, create_purchase, recognition_refusal, update_purchase
from tests.procurement.builders import (
    REVOCATION_DOCUMENT,
    buyer_org,
    buyer_user,
    errors_of,
    notice_fields,
    purchase,
    purchase_fields,
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


def _create(user, rec, **kw):
    fields = {"method": "single_source", "budget": "5000000", **purchase_fields(rec)}
    fields.update(kw)
    return create_purchase(actor=user, **fields)


# --- creation -------------------------------------------------------------------------------------------------


def test_create_numbers_the_purchase_and_takes_the_supplier_from_the_recognition(world, buyer, rec):
    first = _create(buyer, rec, budget="5,000,000.50")
    second = _create(buyer, rec)
    year = TODAY().year
    assert (first.number, second.number) == (f"SG{year}-0001", f"SG{year}-0002")
    assert first.state == S.DRAFT and first.supplier == world.ent_hz and first.buyer.kind == "buyer"
    assert first.budget == Decimal("5000000.50") and first.created_by == buyer
    event = AuditEvent.objects.get(action="purchase.created", object_id=str(first.pk))
    assert event.after["number"] == first.number and event.organisation == first.buyer


def test_numbers_past_9999_keep_counting(world, buyer, rec):
    p = _create(buyer, rec)
    year = TODAY().year
    Purchase.objects.filter(pk=p.pk).update(number=f"SG{year}-9999")
    assert _create(buyer, rec).number == f"SG{year}-10000"
    assert _create(buyer, rec).number == f"SG{year}-10001"


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("title", {"title": "  "}),
        ("title", {"title": "长" * 151}),
        ("method", {"method": "auction"}),
        ("method_details", {"method": "other", "method_details": ""}),
        ("quantity", {"quantity": 0}),
        ("quantity", {"quantity": "两台"}),
        ("unit", {"unit": ""}),
        ("budget", {"budget": 0}),
        ("budget", {"budget": "-5"}),
        ("budget", {"budget": "abc"}),
        ("budget", {"budget": "1.234"}),
        ("budget", {"budget": "1e20"}),
        ("recognition", {"recognition_id": 999999}),
        ("recognition", {"recognition_id": "x"}),
    ],
)
def test_create_refuses_each_field(world, buyer, rec, field, changes):
    errors = errors_of(lambda: _create(buyer, rec, **changes))
    assert field in errors, errors
    assert not Purchase.objects.exists()


def test_create_reports_every_bad_field_at_once(world, buyer, rec):
    errors = errors_of(lambda: _create(buyer, rec, title="", quantity=-1, budget=0))
    assert {"title", "quantity", "budget"} <= set(errors)


def test_other_method_keeps_its_details_and_others_drop_them(world, buyer, rec):
    other = _create(buyer, rec, method="other", method_details="竞争性谈判")
    assert other.method_details == "竞争性谈判"
    tender = _create(buyer, rec, method="open_tender", method_details="竞争性谈判")
    assert tender.method_details == ""


def test_a_revoked_recognition_is_refused_with_its_revocation_document_and_date(world, buyer):
    revoked = recognition_for(world.ent_hz, status="revoked", revoked_on=dt.date(2026, 11, 20))
    errors = errors_of(lambda: _create(buyer, revoked))
    message = errors["recognition"][0]
    assert "撤销" in message and REVOCATION_DOCUMENT in message and "2026-11-20" in message
    assert revoked.certificate_number in message
    assert not Purchase.objects.exists()


def test_an_expired_recognition_is_refused_with_its_expiry_date(world, buyer):
    until = TODAY() - dt.timedelta(days=1)
    expired = recognition_for(world.ent_hz, valid_from=until - dt.timedelta(days=1000), valid_until=until)
    message = errors_of(lambda: _create(buyer, expired))["recognition"][0]
    assert "过期" in message and until.isoformat() in message
    # The daily expiry task's status is not needed: the dates decide; and its status alone agrees.
    expired_status = recognition_for(
        world.ent_hz, status="expired", valid_from=until - dt.timedelta(days=1000), valid_until=until
    )
    assert "过期" in errors_of(lambda: _create(buyer, expired_status))["recognition"][0]


def test_a_recognition_not_yet_valid_is_refused(world, buyer):
    start = TODAY() + dt.timedelta(days=3)
    future = recognition_for(world.ent_hz, valid_from=start, valid_until=start + dt.timedelta(days=1000))
    message = errors_of(lambda: _create(buyer, future))["recognition"][0]
    assert "尚未生效" in message and start.isoformat() in message


def test_recognition_refusal_by_date(world):
    rec = recognition_for(world.ent_hz, valid_from=dt.date(2026, 1, 10), valid_until=dt.date(2029, 1, 9))
    assert recognition_refusal(rec, dt.date(2026, 1, 10)) is None
    assert recognition_refusal(rec, dt.date(2029, 1, 9)) is None  # the last day is still valid
    assert "2029-01-09" in recognition_refusal(rec, dt.date(2029, 1, 10))
    assert "2026-01-10" in recognition_refusal(rec, dt.date(2026, 1, 9))
    revoked = recognition_for(world.ent_hz, status="revoked", revoked_on=dt.date(2026, 6, 1))
    assert REVOCATION_DOCUMENT in recognition_refusal(revoked, TODAY())


# --- who may create --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ent_hz_user", "province_user", "finance_user", "hz_user", "expert_user"])
def test_only_buyers_create(world, rec, who):
    with pytest.raises(PermissionDenied):
        _create(getattr(world, who), rec)


def test_a_user_of_two_buyers_chooses_one_and_only_among_theirs(world, rec):
    first, second = buyer_org(name="甲医院"), buyer_org(name="乙医院")
    user = buyer_user(first)
    from accounts.models import Membership

    Membership.objects.create(user=user, organisation=second, role="buyer")
    user = type(user).objects.get(pk=user.pk)  # roles are cached per user object
    assert "buyer" in errors_of(lambda: _create(user, rec))
    assert _create(user, rec, buyer_id=second.pk).buyer == second
    with pytest.raises(PermissionDenied):
        _create(user, rec, buyer_id=buyer_org(name="丙医院").pk)


def test_an_unapproved_buyer_cannot_create(world, rec):
    org = buyer_org()
    user = buyer_user(org)
    from accounts.models import Organisation

    Organisation.objects.filter(pk=org.pk).update(status="pending")
    with pytest.raises(PermissionDenied):
        _create(user, rec)


# --- update ---------------------------------------------------------------------------------------------------


def test_update_changes_a_draft_and_audits_it(world, buyer, rec):
    p = _create(buyer, rec)
    other_rec = recognition_for(world.ent_nb)
    p = update_purchase(
        actor=buyer, purchase_id=p.pk, title="新名称", quantity=3, budget="3000000", recognition_id=other_rec.pk
    )
    assert (p.title, p.quantity, p.budget) == ("新名称", 3, Decimal("3000000.00"))
    assert p.recognition == other_rec and p.supplier == world.ent_nb
    event = AuditEvent.objects.get(action="purchase.updated", object_id=str(p.pk))
    assert event.before["title"] != event.after["title"]


def test_update_without_change_writes_no_event(world, buyer, rec):
    p = _create(buyer, rec)
    update_purchase(actor=buyer, purchase_id=p.pk, title=p.title)
    assert not AuditEvent.objects.filter(action="purchase.updated").exists()


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("title", {"title": ""}),
        ("budget", {"budget": "0"}),
        ("quantity", {"quantity": -2}),
        ("method_details", {"method": "other"}),
        ("state", {"state": "awarded"}),
        ("number", {"number": "SG1999-0001"}),
    ],
)
def test_update_refuses_each_field(world, buyer, rec, field, changes):
    p = _create(buyer, rec)
    assert field in errors_of(lambda: update_purchase(actor=buyer, purchase_id=p.pk, **changes))
    assert Purchase.objects.get(pk=p.pk).title == p.title


def test_update_refuses_a_revoked_recognition(world, buyer, rec):
    p = _create(buyer, rec)
    revoked = recognition_for(world.ent_nb, status="revoked")
    message = errors_of(lambda: update_purchase(actor=buyer, purchase_id=p.pk, recognition_id=revoked.pk))
    assert REVOCATION_DOCUMENT in message["recognition"][0]
    assert Purchase.objects.get(pk=p.pk).recognition == rec


def test_update_is_for_drafts_only(world, buyer, rec):
    p = purchase(buyer, rec, state="notice")
    errors = errors_of(lambda: update_purchase(actor=buyer, purchase_id=p.pk, title="改"))
    assert "单一来源公示中" in errors["__all__"][0]


def test_changing_away_from_single_source_drops_the_unpublished_notice(world, buyer, rec):
    p = _create(buyer, rec)
    notices.save_notice(actor=buyer, purchase_id=p.pk, **notice_fields())
    update_purchase(actor=buyer, purchase_id=p.pk, method="open_tender")
    assert not SingleSourceNotice.objects.filter(purchase=p).exists()


def test_update_scope(world, buyer, rec):
    draft = _create(buyer, rec)
    stranger = buyer_user(buyer_org(name="另一家医院"), username="buyer2")
    with pytest.raises(Http404):  # another buyer does not even see it
        update_purchase(actor=stranger, purchase_id=draft.pk, title="改")
    with pytest.raises(Http404):  # nobody else sees a draft
        update_purchase(actor=world.province_user, purchase_id=draft.pk, title="改")
    with pytest.raises(Http404):
        update_purchase(actor=buyer, purchase_id="abc", title="改")
    shown = purchase(buyer, rec, state="notice")
    for user in (world.province_user, world.ent_hz_user, world.hz_user):
        with pytest.raises(PermissionDenied):  # they see it, they cannot change it
            cancel_purchase(actor=user, purchase_id=shown.pk, reason="不需要了")


# --- cancel ---------------------------------------------------------------------------------------------------


def test_cancel_needs_a_reason_and_ends_a_running_notice(world, buyer, rec):
    p = purchase(buyer, rec, state="notice")
    assert "reason" in errors_of(lambda: cancel_purchase(actor=buyer, purchase_id=p.pk, reason=" "))
    p = cancel_purchase(actor=buyer, purchase_id=p.pk, reason="采购需求取消。")
    assert p.state == S.CANCELLED and p.cancel_reason == "采购需求取消。"
    assert SingleSourceNotice.objects.get(purchase=p).closed_at is not None
    assert AuditEvent.objects.filter(action="purchase.cancelled", object_id=str(p.pk)).exists()


@pytest.mark.parametrize("state", ["draft", "pending_award"])
def test_cancel_before_the_award(world, buyer, rec, state):
    p = purchase(buyer, rec, state=state)
    assert cancel_purchase(actor=buyer, purchase_id=p.pk, reason="预算取消").state == S.CANCELLED


@pytest.mark.parametrize("state", ["awarded", "cancelled"])
def test_no_cancel_after_the_award_or_twice(world, buyer, rec, state):
    p = purchase(buyer, rec, state=state)
    assert "__all__" in errors_of(lambda: cancel_purchase(actor=buyer, purchase_id=p.pk, reason="取消"))


# --- review: ids that are not ASCII digits ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["²", "¹²", "1²", "１"])
def test_a_recognition_id_of_other_digits_is_a_field_error(world, buyer, bad):
    # str.isdigit() accepts "²" but int() does not: it must be refused under the field, not crash.
    fields = {"recognition_id": bad, "title": "采购项目", "quantity": 1}
    assert "recognition" in errors_of(
        lambda: create_purchase(actor=buyer, method="open_tender", budget="100", **fields)
    )
    assert not Purchase.objects.exists()


def test_the_supplier_is_told_of_a_cancellation_once_it_could_see_the_purchase(world, buyer, rec):
    from notifications.models import Notification

    cancel_purchase(actor=buyer, purchase_id=purchase(buyer, rec).pk, reason="预算取消")  # a draft: never shown
    assert not Notification.objects.filter(kind="purchase.cancelled").exists()
    p = purchase(buyer, rec, state="notice")
    cancel_purchase(actor=buyer, purchase_id=p.pk, reason="采购需求取消。")
    note = Notification.objects.get(kind="purchase.cancelled")
    assert note.recipient == world.ent_hz_user and "采购需求取消。" in note.body and p.number in note.body
