"""单一来源公示 through its services: saving with the experts, the period in Chinese working days (National Day
2026), publishing, and beat closing the notices that are due."""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from notifications.models import Notification
from procurement.models import NoticeExpert, Purchase, SingleSourceNotice
from procurement.services import notices
from recognition.models import Recognition
from tests.procurement.builders import (
    EXPERTS,
    buyer_org,
    buyer_user,
    clock,
    end_notice,
    errors_of,
    notice_fields,
    purchase,
    recognition_for,
)

S = Purchase.State
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def buyer(world):
    return buyer_user(buyer_org())


@pytest.fixture
def draft(world, buyer):
    return purchase(buyer, recognition_for(world.ent_hz))


def _save(user, p, **kw):
    return notices.save_notice(actor=user, purchase_id=p.pk, **notice_fields(**kw))


def _working_days(start_day, last_day):
    days, day = 0, start_day
    while day <= last_day:
        days += chinese_calendar.is_workday(day)
        day += dt.timedelta(days=1)
    return days


# --- save -----------------------------------------------------------------------------------------------------


def test_save_creates_then_replaces_the_notice_and_its_experts(world, buyer, draft):
    notice = _save(buyer, draft)
    assert [e.name for e in notice.experts.all()] == [e["name"] for e in EXPERTS]
    assert notice.starts_at is None and notice.ends_at is None and notice.published_at is None
    again = _save(buyer, draft, reason="新的理由", experts=[EXPERTS[0]])
    assert again.pk == notice.pk and again.reason == "新的理由"
    assert list(NoticeExpert.objects.filter(notice=notice).values_list("name", flat=True)) == [EXPERTS[0]["name"]]
    assert AuditEvent.objects.filter(action="purchase.notice_saved").count() == 2


def test_save_with_a_start_previews_the_end(world, buyer, draft):
    start = timezone.now() + dt.timedelta(days=1)
    notice = _save(buyer, draft, starts_at=start, working_days=7)
    assert notice.ends_at == notices.notice_preview(start, 7).ends_at


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("experts", {"experts": []}),
        ("experts", {"experts": [{"name": "王", "employer": "", "title": "教授"}]}),
        ("experts", {"experts": [EXPERTS[0], {"name": "李", "employer": "某大学"}]}),
        ("experts", {"experts": "王建国"}),
        ("reason", {"reason": ""}),
        ("justification", {"justification": " "}),
        ("contact", {"contact": ""}),
        ("working_days", {"working_days": 4}),
        ("working_days", {"working_days": 31}),
        ("working_days", {"working_days": "五"}),
        ("starts_at", {"starts_at": timezone.now() - dt.timedelta(days=1)}),
        ("starts_at", {"starts_at": dt.datetime(2030, 1, 1, 9, 0)}),  # naive
    ],
)
def test_save_refuses_each_field(world, buyer, draft, field, changes):
    assert field in errors_of(lambda: _save(buyer, draft, **changes))
    assert not SingleSourceNotice.objects.exists()


def test_the_expert_error_names_the_expert(world, buyer, draft):
    errors = errors_of(lambda: _save(buyer, draft, experts=[EXPERTS[0], {"name": "李", "employer": "某大学"}]))
    assert "第 2 位专家" in errors["experts"][0]


def test_save_is_for_single_source_drafts_of_the_buyer(world, buyer):
    tender = purchase(buyer, recognition_for(world.ent_hz), method="open_tender")
    assert "单一来源" in errors_of(lambda: _save(buyer, tender))["__all__"][0]
    running = purchase(buyer, recognition_for(world.ent_hz), state="notice")
    assert "__all__" in errors_of(lambda: _save(buyer, running))
    stranger = buyer_user(buyer_org(name="另一家医院"), username="buyer2")
    with pytest.raises(Http404):
        _save(stranger, running)
    for user in (world.province_user, world.ent_hz_user):
        with pytest.raises(PermissionDenied):
            _save(user, running)


# --- the period -----------------------------------------------------------------------------------------------


def test_the_period_skips_national_day_2026():
    start = dt.datetime(2026, 9, 30, 9, 0, tzinfo=SH)  # Wednesday; 1–7 October are holidays, 10 October works
    period = notices.notice_preview(start, 5)
    assert period.last_day == dt.date(2026, 10, 12)
    assert period.ends_at == dt.datetime(2026, 10, 13, 0, 0, tzinfo=SH)
    assert _working_days(start.date(), period.last_day) == 5
    assert period.ends_at - start > dt.timedelta(days=12)  # a calendar count would have ended on 5 October
    assert period.warnings == []


def test_the_preview_refuses_fewer_than_five_working_days():
    assert "working_days" in errors_of(lambda: notices.notice_preview(timezone.now(), 4))


def test_publish_across_national_day_ends_after_five_working_days(world, buyer):
    rec = recognition_for(world.ent_hz, valid_from=dt.date(2026, 1, 5), valid_until=dt.date(2029, 1, 4))
    p = purchase(buyer, rec)
    with clock(dt.datetime(2026, 9, 28, 10, 0, tzinfo=SH)):
        _save(buyer, p, starts_at=dt.datetime(2026, 9, 30, 9, 0, tzinfo=SH))
        notice = notices.publish_notice(actor=buyer, purchase_id=p.pk)
        assert notice.ends_at == dt.datetime(2026, 10, 13, 0, 0, tzinfo=SH)
        assert Purchase.objects.get(pk=p.pk).state == S.NOTICE
        # 12 October, the fifth working day, still runs; beat closes at 13 October 00:00.
        assert notices.close_due_notices(now=dt.datetime(2026, 10, 12, 23, 59, tzinfo=SH)) == 0
        assert notices.close_due_notices(now=dt.datetime(2026, 10, 13, 0, 0, tzinfo=SH)) == 1
    assert Purchase.objects.get(pk=p.pk).state == S.PENDING_AWARD


# --- publish --------------------------------------------------------------------------------------------------


def test_publish_starts_now_and_runs_at_least_five_working_days(world, buyer, draft):
    _save(buyer, draft)
    before = timezone.now()
    notice = notices.publish_notice(actor=buyer, purchase_id=draft.pk)
    assert before <= notice.starts_at <= timezone.now() and notice.published_at is not None
    last_day = timezone.localdate(notice.ends_at) - dt.timedelta(days=1)
    assert _working_days(timezone.localdate(notice.starts_at), last_day) >= 5
    assert Purchase.objects.get(pk=draft.pk).state == S.NOTICE
    event = AuditEvent.objects.get(action="purchase.notice_published")
    assert event.before["state"] == "draft" and event.after["state"] == "notice"
    assert notices.accepting_objections(Purchase.objects.get(pk=draft.pk))


def test_publish_keeps_a_future_start(world, buyer, draft):
    start = timezone.now() + dt.timedelta(days=2)
    _save(buyer, draft, starts_at=start)
    notice = notices.publish_notice(actor=buyer, purchase_id=draft.pk)
    assert notice.starts_at == start
    assert not notices.accepting_objections(Purchase.objects.get(pk=draft.pk))  # not yet started


def test_publish_refuses_a_start_that_has_passed(world, buyer, draft):
    _save(buyer, draft, starts_at=timezone.now() + dt.timedelta(hours=1))
    with clock(timezone.now() + dt.timedelta(hours=2)):
        assert "starts_at" in errors_of(lambda: notices.publish_notice(actor=buyer, purchase_id=draft.pk))
    assert Purchase.objects.get(pk=draft.pk).state == S.DRAFT


def test_publish_needs_the_notice(world, buyer, draft):
    assert "notice" in errors_of(lambda: notices.publish_notice(actor=buyer, purchase_id=draft.pk))


def test_publish_refuses_a_recognition_revoked_since_creation(world, buyer, draft):
    _save(buyer, draft)
    Recognition.objects.filter(pk=draft.recognition_id).update(
        status="revoked", revoked_at=timezone.now(), revocation_document="浙经信装备〔2026〕31号"
    )
    message = errors_of(lambda: notices.publish_notice(actor=buyer, purchase_id=draft.pk))["recognition"][0]
    assert "浙经信装备〔2026〕31号" in message


def test_publish_is_the_buyers_and_once(world, buyer, draft):
    _save(buyer, draft)
    stranger = buyer_user(buyer_org(name="另一家医院"), username="buyer2")
    with pytest.raises(Http404):
        notices.publish_notice(actor=stranger, purchase_id=draft.pk)
    notices.publish_notice(actor=buyer, purchase_id=draft.pk)
    assert "__all__" in errors_of(lambda: notices.publish_notice(actor=buyer, purchase_id=draft.pk))
    with pytest.raises(PermissionDenied):
        notices.publish_notice(actor=world.province_user, purchase_id=draft.pk)


# --- close ----------------------------------------------------------------------------------------------------


def test_close_due_notices_closes_only_those_ended_and_tells_the_buyer(world, buyer):
    colleague = buyer_user(buyer.memberships.get().organisation, username="buyer1b")
    due = purchase(buyer, recognition_for(world.ent_hz), state="notice")
    running = purchase(buyer, recognition_for(world.ent_hz), state="notice")
    end_notice(due)
    assert notices.close_due_notices() == 1
    assert notices.close_due_notices() == 0  # idempotent
    due = Purchase.objects.get(pk=due.pk)
    assert due.state == S.PENDING_AWARD and due.notice.closed_at is not None
    assert Purchase.objects.get(pk=running.pk).state == S.NOTICE
    told = Notification.objects.filter(kind="purchase.notice_closed")
    assert set(told.values_list("recipient_id", flat=True)) == {buyer.pk, colleague.pk}
    assert not notices.accepting_objections(due)
    event = AuditEvent.objects.get(action="purchase.notice_closed")
    assert event.actor is None and event.after["state"] == "pending_award"


def test_accepting_objections_only_while_running(world, buyer):
    p = purchase(buyer, recognition_for(world.ent_hz), state="notice")
    p = Purchase.objects.get(pk=p.pk)
    notice = p.notice
    assert notices.accepting_objections(p, notice.starts_at)
    assert not notices.accepting_objections(p, notice.starts_at - dt.timedelta(seconds=1))
    assert notices.accepting_objections(p, notice.ends_at - dt.timedelta(seconds=1))
    assert not notices.accepting_objections(p, notice.ends_at)


def test_a_start_more_than_a_year_ahead_is_refused_not_a_crash(world, buyer, draft):
    far = timezone.now() + dt.timedelta(days=400)
    assert "starts_at" in errors_of(lambda: _save(buyer, draft, starts_at=far))
    assert "starts_at" in errors_of(lambda: notices.notice_preview(dt.datetime(9999, 12, 31, 12, tzinfo=SH), 5))
    assert not SingleSourceNotice.objects.exists()
    soon = timezone.now() + dt.timedelta(days=300)
    assert _save(buyer, draft, starts_at=soon).ends_at > soon


def test_the_proposed_supplier_is_told_when_the_notice_is_published(world, buyer, draft, client):
    _save(buyer, draft)
    assert not Notification.objects.filter(kind="purchase.notice_published").exists()
    notices.publish_notice(actor=buyer, purchase_id=draft.pk)
    note = Notification.objects.get(kind="purchase.notice_published")
    assert note.recipient == world.ent_hz_user and draft.number in note.body
    client.force_login(world.ent_hz_user)
    assert client.get(note.link).status_code == 200
