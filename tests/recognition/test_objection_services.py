"""Objection services: filing (window, validation, evidence), handling (investigate, uphold, dismiss), the reply
mail (once, retried, swept) and what recognition may take."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent
from certification import storage
from certification.models import Application
from notifications.models import Notification
from recognition.models import Notice, NoticeItem, Objection
from recognition.services import notices, objections
from recognition.tasks import send_objection_replies, send_objection_reply

from .builders import end_period, objection, published_notice

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def private_files():
    root = storage.root()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_filing_gives_an_unguessable_tracking_number_audits_and_tells_staff(world):
    notice, _apps = published_notice(world, 2)
    item = notice.items.first()
    o = objection(item, phone="139 1234 5678")
    assert re.fullmatch(r"YY\d{4}-[A-Z2-7]{8}", o.tracking_number)
    assert o.tracking_number.startswith(f"YY{timezone.localtime().year}-")
    assert o.phone == "13912345678" and o.state == "received"
    assert objection(item).tracking_number != o.tracking_number
    assert AuditEvent.objects.filter(action="objection.submitted", object_id=str(o.pk)).exists()
    n = Notification.objects.get(recipient=world.province_user, kind="notice.objection", body__contains=o.tracking_number)
    assert n.link == f"/notices/manage/objections/{o.pk}/"


@pytest.mark.parametrize("raw,normal", [
    ("13912345678", "13912345678"), ("+86 139-1234-5678", "13912345678"), ("0571-88886666", "0571-88886666"),
    ("057188886666", "0571-88886666"), ("(010)62345678", "010-62345678"), ("0571-8888666-801", "0571-8888666-801"),
    ("１３９１２３４５６７８", "13912345678"),
])
def test_phone_numbers_accepted(raw, normal):
    assert objections.normalise_phone(raw) == normal


@pytest.mark.parametrize("raw", ["12345", "23912345678", "1391234567", "0571-123", "abc", "10086", ""])
def test_phone_numbers_refused(raw):
    assert objections.normalise_phone(raw) is None


@pytest.mark.parametrize("field,value", [("name", ""), ("phone", "12345"), ("email", "not-an-email"),
                                         ("content", "  "), ("content", "长" * 5001)])
def test_filing_validation_names_the_field_and_writes_nothing(world, field, value):
    notice, _apps = published_notice(world, 1)
    with pytest.raises(ValidationError) as exc:
        objection(notice.items.get(), **{field: value})
    assert field in exc.value.message_dict
    assert not Objection.objects.exists()


def test_filing_refused_after_the_end_even_before_beat_closes(world):
    notice, _apps = published_notice(world, 1)
    end_period(notice)
    assert Notice.objects.get(pk=notice.pk).state == "published"
    with pytest.raises(ValidationError) as exc:
        objection(notice.items.get())
    assert "item" in exc.value.message_dict
    assert not Objection.objects.exists()


def test_filing_refused_on_a_draft_or_a_closed_notice(world):
    from tests.recognition.builders import draft_notice, proposed_batch

    batch, _apps = proposed_batch(world, 1)
    draft = draft_notice(world, batch)
    with pytest.raises(ValidationError):
        objection(draft.items.get())
    notice, _apps = published_notice(world, 1)
    end_period(notice)
    notices.close_due_notices()
    with pytest.raises(ValidationError):
        objection(notice.items.get())
    assert not Objection.objects.exists()


def test_evidence_pdf_is_stored_privately_with_its_hash(world):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get(), evidence=SimpleUploadedFile("证据.exe.pdf", PDF, "application/pdf"))
    assert o.evidence_name == "证据.exe.pdf" and o.evidence_size == len(PDF)
    assert o.evidence_path.startswith(f"objections/{notice.pk}/")
    with storage.open_private(o.evidence_path) as fh:
        assert fh.read() == PDF
    import hashlib

    assert o.evidence_sha256 == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize("content", [b"MZ\x90\x00 not a pdf", b"", b"<html>%PDF-</html>"])
def test_bad_evidence_refused_and_nothing_kept(world, content):
    notice, _apps = published_notice(world, 1)
    with pytest.raises(ValidationError) as exc:
        objection(notice.items.get(), evidence=SimpleUploadedFile("evidence.pdf", content, "application/pdf"))
    assert "evidence" in exc.value.message_dict
    assert not Objection.objects.exists()
    assert private_files() == []


def test_evidence_over_10_mb_refused(world):
    notice, _apps = published_notice(world, 1)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")
    with pytest.raises(ValidationError) as exc:
        objection(notice.items.get(), evidence=big)
    assert "10 MB" in exc.value.message_dict["evidence"][0]
    assert not Objection.objects.exists() and private_files() == []


def test_find_by_tracking_needs_the_right_phone(world):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get(), phone="0571-88886666")
    assert objections.find_by_tracking(tracking_number=o.tracking_number.lower(), phone="057188886666") == o
    assert objections.find_by_tracking(tracking_number=o.tracking_number, phone="13912345678") is None
    assert objections.find_by_tracking(tracking_number="YY2026-AAAAAAAA", phone="0571-88886666") is None


@pytest.mark.parametrize("who", ["hz_user", "finance_user", "ent_hz_user", "expert_user"])
def test_only_province_industry_staff_handle_objections(world, who):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get())
    user = getattr(world, who)
    with pytest.raises(PermissionDenied):
        objections.start_investigation(actor=user, objection_id=o.pk)
    with pytest.raises(PermissionDenied):
        objections.dismiss(actor=user, objection_id=o.pk, reply="不成立")
    with pytest.raises(PermissionDenied):
        objections.uphold(actor=user, objection_id=o.pk, action="remove", reply="成立")
    assert Objection.objects.get(pk=o.pk).state == "received"


def test_investigate_then_only_once(world):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get())
    assert objections.start_investigation(actor=world.province_user, objection_id=o.pk).state == "investigating"
    with pytest.raises(ValidationError):
        objections.start_investigation(actor=world.province_user, objection_id=o.pk)


def test_uphold_remove_takes_the_item_out_and_the_application_is_not_recognised(world):
    notice, apps = published_notice(world, 2)
    item = notice.items.get(application=apps[0])
    o = objection(item)
    objections.uphold(actor=world.province_user, objection_id=o.pk, action="remove", reply="经核实，同类产品已于2019年销售。")
    item.refresh_from_db()
    o = Objection.objects.get(pk=o.pk)
    assert item.state == "removed" and item.change_reason.startswith("经核实")
    assert Application.objects.get(pk=apps[0].pk).state == "not_recognised"
    assert (o.state, o.action, o.resolved_by) == ("upheld", "remove", world.province_user)
    assert AuditEvent.objects.filter(action="objection.upheld", object_id=str(o.pk)).exists()


def test_uphold_change_level(world):
    notice, apps = published_notice(world, 1)
    item = notice.items.get()
    assert item.level == "domestic"
    o = objection(item)
    objections.uphold(actor=world.province_user, objection_id=o.pk, action="change_level", new_level="provincial",
                      reply="国内已有同类产品，调整为省内首台（套）。")
    item.refresh_from_db()
    app = Application.objects.get(pk=apps[0].pk)
    assert (item.level, item.state, app.state) == ("provincial", "listed", "proposed")
    assert item.change_reason.startswith("国内已有")


@pytest.mark.parametrize("kwargs,field", [
    ({"action": "remove", "reply": ""}, "reply"),
    ({"action": "", "reply": "理由"}, "action"),
    ({"action": "change_level", "reply": "理由", "new_level": ""}, "new_level"),
    ({"action": "change_level", "reply": "理由", "new_level": "domestic"}, "new_level"),  # the same level
])
def test_uphold_validation_writes_nothing(world, kwargs, field):
    notice, apps = published_notice(world, 1)
    o = objection(notice.items.get())
    with pytest.raises(ValidationError) as exc:
        objections.uphold(actor=world.province_user, objection_id=o.pk, **kwargs)
    assert field in exc.value.message_dict
    assert Objection.objects.get(pk=o.pk).state == "received"
    item = notice.items.get()
    assert (item.state, item.level) == ("listed", "domestic")
    assert not AuditEvent.objects.filter(action="objection.upheld").exists()


def test_dismiss_needs_a_reply_and_then_is_final(world):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get())
    with pytest.raises(ValidationError) as exc:
        objections.dismiss(actor=world.province_user, objection_id=o.pk, reply=" ")
    assert "reply" in exc.value.message_dict
    objections.dismiss(actor=world.province_user, objection_id=o.pk, reply="经核实，异议不成立。")
    o = Objection.objects.get(pk=o.pk)
    assert (o.state, o.reply) == ("dismissed", "经核实，异议不成立。")
    with pytest.raises(ValidationError):
        objections.uphold(actor=world.province_user, objection_id=o.pk, action="remove", reply="x")
    assert notice.items.get().state == "listed"


def test_reply_mail_sent_once_on_commit(world, django_capture_on_commit_callbacks):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get(), email="objector@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        objections.dismiss(actor=world.province_user, objection_id=o.pk, reply="经核实，异议不成立。")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["objector@example.com"]
    assert o.tracking_number in mail.outbox[0].subject and "经核实，异议不成立。" in mail.outbox[0].body
    o = Objection.objects.get(pk=o.pk)
    assert o.reply_sent_at is not None
    # The task delivered again and the sweep: nothing more.
    assert send_objection_reply.delay(o.pk).get() is False
    assert send_objection_replies.delay().get() == 0
    assert len(mail.outbox) == 1


def test_no_mail_without_an_address(world, django_capture_on_commit_callbacks):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get(), email="")
    with django_capture_on_commit_callbacks(execute=True):
        objections.dismiss(actor=world.province_user, objection_id=o.pk, reply="不成立。")
    assert mail.outbox == [] and objections.send_pending_replies() == 0


def test_no_mail_for_an_open_objection(world):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get())
    assert objections.send_reply(objection_id=o.pk) is False
    assert mail.outbox == []


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


def test_failed_send_is_left_for_the_sweep_which_sends_it_once(world, settings, django_capture_on_commit_callbacks):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get())
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        objections.uphold(actor=world.province_user, objection_id=o.pk, action="remove", reply="成立。")
    o = Objection.objects.get(pk=o.pk)
    assert o.reply_sent_at is None  # every retry failed; the claim was rolled back
    with pytest.raises(ConnectionRefusedError):
        objections.send_reply(objection_id=o.pk)
    assert Objection.objects.get(pk=o.pk).reply_sent_at is None
    assert objections.send_pending_replies() == 0  # still failing: logged, not raised
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_objection_replies.delay().get() == 1
    assert objections.send_pending_replies() == 0
    assert len(mail.outbox) == 1
    assert Objection.objects.get(pk=o.pk).reply_sent_at is not None


def test_sweep_leaves_old_decisions(world):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get())
    objections.dismiss(actor=world.province_user, objection_id=o.pk, reply="不成立。")
    Objection.objects.filter(pk=o.pk).update(reply_sent_at=None,
                                             resolved_at=timezone.now() - dt.timedelta(days=31))
    mail.outbox.clear()
    assert objections.send_pending_replies() == 0


def test_items_ready_for_recognition(world):
    notice, apps = published_notice(world, 4)
    items = {i.application_id: i for i in notice.items.all()}
    open_one = objection(items[apps[0].pk])
    removed = objection(items[apps[1].pk])
    dismissed = objection(items[apps[2].pk])
    objections.uphold(actor=world.province_user, objection_id=removed.pk, action="remove", reply="成立。")
    objections.dismiss(actor=world.province_user, objection_id=dismissed.pk, reply="不成立。")
    assert list(objections.items_ready_for_recognition(notice)) == []  # not closed yet
    end_period(notice)
    notices.close_due_notices()
    notice = Notice.objects.get(pk=notice.pk)
    ready = {i.application_id for i in objections.items_ready_for_recognition(notice)}
    assert ready == {apps[2].pk, apps[3].pk}
    assert list(objections.open_objections(items[apps[0].pk])) == [open_one]
    objections.dismiss(actor=world.province_user, objection_id=open_one.pk, reply="不成立。")
    assert {i.application_id for i in objections.items_ready_for_recognition(notice)} == {
        apps[0].pk, apps[2].pk, apps[3].pk}
    NoticeItem.objects.filter(pk=items[apps[3].pk].pk).update(state="recognised")
    assert apps[3].pk not in {i.application_id for i in objections.items_ready_for_recognition(notice)}


def test_evidence_download_is_staff_only_and_audited(world):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get(), evidence=SimpleUploadedFile("e.pdf", PDF))
    from django.http import Http404

    with pytest.raises(Http404):
        objections.open_evidence(actor=world.hz_user, objection_id=o.pk)
    got, handle = objections.open_evidence(actor=world.province_user, objection_id=o.pk)
    with handle:
        assert handle.read() == PDF
    assert AuditEvent.objects.filter(action="objection.evidence_downloaded", object_id=str(o.pk),
                                     actor=world.province_user).count() == 1
