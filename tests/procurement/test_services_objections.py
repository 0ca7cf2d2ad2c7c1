"""Objections to a single-source notice (only while it runs), the public status lookup, the buyer's supplementary
justification and the reply mail to the objector (sent once)."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from notifications.models import Notification
from procurement.models import Purchase, PurchaseObjection, SingleSourceNotice
from procurement.services import objections as svc
from procurement.services.purchases import cancel_purchase
from tests.procurement.builders import (
    buyer_org,
    buyer_user,
    clock,
    end_notice,
    errors_of,
    objection,
    purchase,
    recognition_for,
)

S = Purchase.State


@pytest.fixture
def buyer(world):
    return buyer_user(buyer_org())


@pytest.fixture
def running(world, buyer):
    return purchase(buyer, recognition_for(world.ent_hz), state="notice")


# --- filing ---------------------------------------------------------------------------------------------------


def test_an_objection_while_the_notice_runs_gets_a_tracking_number_and_tells_the_buyer(world, buyer, running):
    colleague = buyer_user(buyer.memberships.get().organisation, username="buyer1b")
    o = objection(running, phone="138 1234 5678", organisation="某公司", email="zs@example.com", ip="10.0.0.1")
    assert re.fullmatch(rf"SY{timezone.localdate().year}-[A-Z2-7]{{8}}", o.tracking_number)
    assert o.state == PurchaseObjection.State.OPEN and o.phone == "13812345678" and o.submitted_ip == "10.0.0.1"
    told = Notification.objects.filter(kind="purchase.objection")
    assert set(told.values_list("recipient_id", flat=True)) == {buyer.pk, colleague.pk}
    assert o.tracking_number in told.first().body
    assert AuditEvent.objects.filter(action="purchase.objection_submitted", object_id=str(o.pk)).exists()


def test_tracking_numbers_differ(world, running):
    numbers = {objection(running).tracking_number for _ in range(5)}
    assert len(numbers) == 5


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("name", {"name": ""}),
        ("phone", {"phone": "12345"}),
        ("phone", {"phone": ""}),
        ("content", {"content": " "}),
        ("email", {"email": "not-an-address"}),
    ],
)
def test_an_objection_refuses_each_field(world, running, field, changes):
    assert field in errors_of(lambda: objection(running, **changes))
    assert not PurchaseObjection.objects.exists()


def test_no_objection_before_the_start(world, buyer):
    from procurement.services import notices
    from tests.procurement.builders import notice_fields

    p = purchase(buyer, recognition_for(world.ent_hz))
    notices.save_notice(actor=buyer, purchase_id=p.pk, **notice_fields(starts_at=timezone.now() + dt.timedelta(days=1)))
    notices.publish_notice(actor=buyer, purchase_id=p.pk)
    assert "公示期" in errors_of(lambda: objection(p))["__all__"][0]


def test_no_objection_after_the_end_even_before_beat_closes_it(world, running):
    end_notice(running)
    assert Purchase.objects.get(pk=running.pk).state == S.NOTICE
    assert "__all__" in errors_of(lambda: objection(running))
    assert not PurchaseObjection.objects.exists()


def test_no_objection_in_the_last_second_refused_a_second_later(world, running):
    ends_at = SingleSourceNotice.objects.get(purchase=running).ends_at
    with clock(ends_at - dt.timedelta(seconds=1)):
        objection(running)
    with clock(ends_at):
        assert "__all__" in errors_of(lambda: objection(running))
    assert PurchaseObjection.objects.count() == 1


@pytest.mark.parametrize("state", ["pending_award", "awarded"])
def test_no_objection_once_closed(world, buyer, state):
    p = purchase(buyer, recognition_for(world.ent_hz), state=state)
    assert "__all__" in errors_of(lambda: objection(p))


def test_no_objection_to_a_cancelled_purchase(world, buyer, running):
    cancel_purchase(actor=buyer, purchase_id=running.pk, reason="取消")
    assert "__all__" in errors_of(lambda: objection(running))


def test_a_draft_or_unknown_purchase_is_404_to_the_public(world, buyer):
    draft = purchase(buyer, recognition_for(world.ent_hz))
    with pytest.raises(Http404):
        objection(draft)
    with pytest.raises(Http404):
        svc.submit_objection(purchase_id="99999999", name="张三", phone="13812345678", content="异议")


# --- status lookup --------------------------------------------------------------------------------------------


def test_find_by_tracking_needs_the_right_phone(world, running):
    o = objection(running, phone="0571-88886666")
    assert svc.find_by_tracking(tracking_number=o.tracking_number, phone="057188886666") == o
    assert svc.find_by_tracking(tracking_number=o.tracking_number.lower().replace("-", ""), phone="0571-88886666") == o
    assert svc.find_by_tracking(tracking_number=o.tracking_number, phone="13812345678") is None
    assert svc.find_by_tracking(tracking_number="SY2026-AAAAAAAA", phone="0571-88886666") is None
    assert svc.find_by_tracking(tracking_number="", phone="") is None


# --- justification --------------------------------------------------------------------------------------------


def test_a_justification_answers_the_listed_objections(world, buyer, running):
    first, second, third = objection(running), objection(running), objection(running)
    j = svc.add_justification(
        actor=buyer,
        purchase_id=running.pk,
        text="经再次论证，仍为唯一来源。",
        objection_ids=[first.pk, str(second.pk)],
        experts="王建国 浙大一院 主任医师",
    )
    answered = PurchaseObjection.objects.filter(justification=j)
    assert set(answered.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert all(o.state == "answered" and o.answered_at for o in answered)
    assert PurchaseObjection.objects.get(pk=third.pk).state == "open"
    event = AuditEvent.objects.get(action="purchase.justified")
    assert sorted(event.after["objections"]) == sorted([first.tracking_number, second.tracking_number])


def test_a_justification_is_allowed_after_the_notice_closes(world, buyer, running):
    o = objection(running)
    end_notice(running)
    from procurement.services.notices import close_due_notices

    close_due_notices()
    svc.add_justification(actor=buyer, purchase_id=running.pk, text="补充论证。", objection_ids=[o.pk])
    assert PurchaseObjection.objects.get(pk=o.pk).state == "answered"


def test_justification_refusals(world, buyer, running):
    o = objection(running)
    other = purchase(buyer, recognition_for(world.ent_hz), state="notice")
    foreign = objection(other)

    def justify(**kw):
        values = {"actor": buyer, "purchase_id": running.pk, "text": "补充论证。", "objection_ids": [o.pk], **kw}
        return svc.add_justification(**values)

    assert "text" in errors_of(lambda: justify(text=""))
    assert "objection_ids" in errors_of(lambda: justify(objection_ids=[]))
    assert "objection_ids" in errors_of(lambda: justify(objection_ids=["abc"]))
    assert str(foreign.pk) in errors_of(lambda: justify(objection_ids=[o.pk, foreign.pk]))["objection_ids"][0]
    assert PurchaseObjection.objects.get(pk=o.pk).state == "open"  # nothing answered by a refused call
    justify()
    assert o.tracking_number in errors_of(lambda: justify())["objection_ids"][0]


def test_justification_scope_and_state(world, buyer, running):
    o = objection(running)
    stranger = buyer_user(buyer_org(name="另一家医院"), username="buyer2")
    with pytest.raises(Http404):
        svc.add_justification(actor=stranger, purchase_id=running.pk, text="x", objection_ids=[o.pk])
    for user in (world.ent_hz_user, world.province_user):
        with pytest.raises(PermissionDenied):
            svc.add_justification(actor=user, purchase_id=running.pk, text="x", objection_ids=[o.pk])
    draft = purchase(buyer, recognition_for(world.ent_hz))
    assert "__all__" in errors_of(
        lambda: svc.add_justification(actor=buyer, purchase_id=draft.pk, text="x", objection_ids=[o.pk])
    )


# --- the reply mail -------------------------------------------------------------------------------------------


def test_the_reply_mail_goes_once_to_objectors_with_an_address(
    world, buyer, running, django_capture_on_commit_callbacks
):
    with_mail = objection(running, email="zs@example.com")
    without = objection(running, name="李四")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        svc.add_justification(
            actor=buyer,
            purchase_id=running.pk,
            text="经再次论证，仍为唯一来源。",
            objection_ids=[with_mail.pk, without.pk],
        )
    replies = [m for m in mail.outbox if m.to == ["zs@example.com"]]
    assert len(replies) == 1
    assert with_mail.tracking_number in replies[0].subject and "经再次论证，仍为唯一来源。" in replies[0].body
    assert PurchaseObjection.objects.get(pk=with_mail.pk).reply_sent_at is not None
    assert PurchaseObjection.objects.get(pk=without.pk).reply_sent_at is None
    # The task again, and the sweep: nothing more.
    assert svc.send_reply(objection_id=with_mail.pk) is False
    assert svc.send_objection_replies() == 0
    assert len([m for m in mail.outbox if m.to == ["zs@example.com"]]) == 1


def test_the_sweep_sends_what_the_task_did_not(world, buyer, running):
    o = objection(running, email="zs@example.com")
    svc.add_justification(actor=buyer, purchase_id=running.pk, text="补充论证。", objection_ids=[o.pk])
    mail.outbox.clear()  # on_commit callbacks do not run in a test transaction: the task never ran
    assert svc.send_objection_replies() == 1
    assert svc.send_objection_replies() == 0
    assert [m.to for m in mail.outbox] == [["zs@example.com"]]


def test_an_open_objection_gets_no_reply(world, running):
    o = objection(running, email="zs@example.com")
    assert svc.send_reply(objection_id=o.pk) is False
    assert svc.send_objection_replies() == 0


@pytest.mark.parametrize("bad", ["²", "1²"])
def test_a_justification_refuses_ids_of_other_digits_under_the_field(world, buyer, running, bad):
    objection(running)
    errors = errors_of(
        lambda: svc.add_justification(actor=buyer, purchase_id=running.pk, text="论证", objection_ids=[bad])
    )
    assert "objection_ids" in errors
    assert not PurchaseObjection.objects.filter(state="answered").exists()
