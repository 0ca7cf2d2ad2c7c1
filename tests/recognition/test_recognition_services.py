"""认定, 撤销 and expiry services: numbering per year and level, refusals, idempotency, frozen data, validity."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from certification.models import Application
from notifications.models import Notification
from recognition.models import Certificate, Notice, NoticeItem, Objection, Recognition
from recognition.services import recognitions as services

from .recognition_builders import DECISION, EARLY_END, closed_notice, objection, recognise

pytestmark = pytest.mark.django_db


def test_recognise_numbers_each_level_from_one_and_freezes_the_application(world):
    notice, items = closed_notice(world, levels=("domestic", "provincial", "domestic", "international"),
                                  ends_at=EARLY_END)
    decision_date = dt.date(2026, 3, 15)

    recs = recognise(world, notice, items, decision_date=decision_date)

    assert [r.certificate_number for r in recs] == ["ZJ-2026-D-0001", "ZJ-2026-P-0001", "ZJ-2026-D-0002",
                                                    "ZJ-2026-I-0001"]
    rec = Recognition.objects.get(notice_item=items[0])
    app = items[0].application
    assert (rec.enterprise_name, rec.enterprise_uscc) == (world.ent_hz.name, world.ent_hz.uscc)
    assert (rec.product_name, rec.model_spec, rec.field, rec.category) == (
        app.product_name, app.model_spec, app.field, app.category)
    assert (rec.city_id, rec.region_id, rec.year, rec.level) == (app.city_id, app.region_id, 2026, "domestic")
    assert (rec.decision_number, rec.decision_date, rec.valid_from) == (DECISION, decision_date, decision_date)
    assert rec.valid_until == dt.date(2029, 3, 14)
    assert rec.status == Recognition.Status.VALID
    assert Application.objects.get(pk=app.pk).state == "recognised"
    assert NoticeItem.objects.get(pk=items[0].pk).state == NoticeItem.State.RECOGNISED
    cert = Certificate.objects.get(recognition=rec)
    assert (cert.version, cert.current, cert.state) == (1, True, Certificate.State.PENDING)
    assert Notification.objects.filter(recipient=world.ent_hz_user, kind="recognition.granted").count() == 4
    assert AuditEvent.objects.filter(action="recognition.recognised").count() == 4


def test_the_sequence_continues_across_notices_of_the_same_year_and_restarts_each_year(world):
    first, first_items = closed_notice(world, levels=("domestic", "domestic"), year=2026)
    recognise(world, first, first_items)
    second, second_items = closed_notice(world, levels=("domestic", "provincial"), year=2026)
    other_year, other_items = closed_notice(world, levels=("domestic",), year=2027)

    later = recognise(world, second, second_items)
    next_year = recognise(world, other_year, other_items)

    assert [r.certificate_number for r in later] == ["ZJ-2026-D-0003", "ZJ-2026-P-0001"]
    assert [r.certificate_number for r in next_year] == ["ZJ-2027-D-0001"]
    numbers = list(Recognition.objects.values_list("certificate_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 5


def test_recognising_twice_leaves_one_number_and_one_certificate(world):
    notice, items = closed_notice(world, levels=("domestic", "domestic"))
    first = recognise(world, notice, items[:1])

    again = recognise(world, notice, items)

    assert [r.certificate_number for r in first] == ["ZJ-2026-D-0001"]
    assert [r.certificate_number for r in again] == ["ZJ-2026-D-0002"]  # only the new item
    assert recognise(world, notice, items) == []
    assert Recognition.objects.count() == 2
    assert Certificate.objects.count() == 2
    assert Recognition.objects.get(notice_item=items[0]).certificate_number == "ZJ-2026-D-0001"


@pytest.mark.parametrize("start, until", [
    (dt.date(2026, 3, 15), dt.date(2029, 3, 14)),
    (dt.date(2026, 1, 1), dt.date(2028, 12, 31)),
    (dt.date(2028, 2, 29), dt.date(2031, 2, 28)),
    (dt.date(2027, 3, 1), dt.date(2030, 2, 28)),
])
def test_valid_until_is_the_day_before_the_third_anniversary(start, until):
    assert services.valid_until_for(start) == until


def test_only_province_industry_staff_recognise(world):
    notice, items = closed_notice(world, levels=("domestic",))
    for user in (world.ent_hz_user, world.hz_user, world.finance_user, world.expert_user):
        with pytest.raises(PermissionDenied):
            services.recognise(actor=user, notice_id=notice.pk, item_ids=[items[0].pk], decision_number=DECISION,
                               decision_date=timezone.localdate())
    assert not Recognition.objects.exists()


def test_a_notice_still_published_cannot_be_recognised(world):
    notice, items = closed_notice(world, levels=("domestic",), state=Notice.State.PUBLISHED)
    with pytest.raises(ValidationError) as exc:
        recognise(world, notice, items)
    assert "notice" in exc.value.message_dict
    assert not Recognition.objects.exists()


@pytest.mark.parametrize("state", [Objection.State.RECEIVED, Objection.State.INVESTIGATING])
def test_an_item_with_an_open_objection_refuses_the_whole_request(world, state):
    notice, items = closed_notice(world, levels=("domestic", "domestic"))
    objection(items[1], state)

    with pytest.raises(ValidationError) as exc:
        recognise(world, notice, items)

    assert "异议" in " ".join(exc.value.message_dict["item_ids"])
    assert not Recognition.objects.exists()
    assert Application.objects.get(pk=items[0].application_id).state == "proposed"


def test_a_closed_objection_does_not_block(world):
    notice, items = closed_notice(world, levels=("domestic",))
    objection(items[0], Objection.State.DISMISSED)
    assert len(recognise(world, notice, items)) == 1


def test_a_removed_item_is_refused_and_the_ready_list_leaves_it_out(world):
    notice, items = closed_notice(world, levels=("domestic", "domestic", "domestic"))
    NoticeItem.objects.filter(pk=items[1].pk).update(state=NoticeItem.State.REMOVED)
    objection(items[2])

    assert [i.pk for i in services.ready_items(notice)] == [items[0].pk]
    with pytest.raises(ValidationError) as exc:
        recognise(world, notice, items[:2])
    assert "撤出" in " ".join(exc.value.message_dict["item_ids"])


def test_an_item_of_another_notice_is_refused(world):
    notice, items = closed_notice(world, levels=("domestic",))
    _other, other_items = closed_notice(world, levels=("domestic",))
    with pytest.raises(ValidationError) as exc:
        recognise(world, notice, [items[0], other_items[0]])
    assert "item_ids" in exc.value.message_dict
    assert not Recognition.objects.exists()


def test_bad_input_names_each_field_and_writes_nothing(world):
    notice, _items = closed_notice(world, levels=("domestic",))
    with pytest.raises(ValidationError) as exc:
        services.recognise(actor=world.province_user, notice_id=notice.pk, item_ids=[], decision_number=" ",
                           decision_date="2026-13-01")
    assert set(exc.value.message_dict) == {"item_ids", "decision_number", "decision_date"}
    assert not Recognition.objects.exists()


def test_a_decision_dated_before_the_notice_ended_is_refused(world):
    notice, items = closed_notice(world, levels=("domestic",))
    with pytest.raises(ValidationError) as exc:
        recognise(world, notice, items, decision_date=timezone.localdate(notice.ends_at) - dt.timedelta(days=1))
    assert "decision_date" in exc.value.message_dict


def test_revoke_records_reason_and_document_and_tells_the_enterprise(world):
    notice, items = closed_notice(world, levels=("domestic",))
    (rec,) = recognise(world, notice, items)

    services.revoke(actor=world.province_user, recognition_id=rec.pk, reason="提供虚假检测报告",
                    document_number="浙经信装备〔2026〕99号")

    rec.refresh_from_db()
    assert rec.status == Recognition.Status.REVOKED
    assert rec.revoked_at is not None
    assert (rec.revocation_reason, rec.revocation_document) == ("提供虚假检测报告", "浙经信装备〔2026〕99号")
    assert Notification.objects.filter(recipient=world.ent_hz_user, kind="recognition.revoked").exists()
    event = AuditEvent.objects.get(action="recognition.revoked")
    assert (event.before["status"], event.after["status"]) == ("valid", "revoked")
    with pytest.raises(ValidationError):
        services.revoke(actor=world.province_user, recognition_id=rec.pk, reason="再次", document_number="X")


def test_revoke_needs_staff_a_reason_and_a_document_number(world):
    notice, items = closed_notice(world, levels=("domestic",))
    (rec,) = recognise(world, notice, items)
    with pytest.raises(PermissionDenied):
        services.revoke(actor=world.ent_hz_user, recognition_id=rec.pk, reason="x", document_number="y")
    with pytest.raises(ValidationError) as exc:
        services.revoke(actor=world.province_user, recognition_id=rec.pk, reason="", document_number=" ")
    assert set(exc.value.message_dict) == {"reason", "document_number"}
    assert Recognition.objects.get(pk=rec.pk).status == Recognition.Status.VALID


def test_expire_turns_valid_recognitions_past_their_last_day_into_expired(world):
    notice, items = closed_notice(world, levels=("domestic", "domestic", "domestic"), ends_at=EARLY_END)
    recs = recognise(world, notice, items, decision_date=dt.date(2026, 3, 15))
    services.revoke(actor=world.province_user, recognition_id=recs[2].pk, reason="r", document_number="d")
    Recognition.objects.filter(pk=recs[1].pk).update(valid_until=dt.date(2029, 6, 1))

    assert services.expire_recognitions(today=dt.date(2029, 3, 14)) == 0  # the last day is still valid
    assert services.expire_recognitions(today=dt.date(2029, 3, 15)) == 1

    statuses = dict(Recognition.objects.values_list("pk", "status"))
    assert statuses == {recs[0].pk: "expired", recs[1].pk: "valid", recs[2].pk: "revoked"}
    assert services.status_on(Recognition.objects.get(pk=recs[1].pk), dt.date(2029, 6, 2)) == "expired"


def test_the_beat_task_calls_the_expiry(world):
    from recognition.tasks import expire_recognitions

    notice, items = closed_notice(world, levels=("domestic",))
    (rec,) = recognise(world, notice, items)
    Recognition.objects.filter(pk=rec.pk).update(valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2022, 12, 31))
    assert expire_recognitions.delay().get() == 1
    assert Recognition.objects.get(pk=rec.pk).status == "expired"
