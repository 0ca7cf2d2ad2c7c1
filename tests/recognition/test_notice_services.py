"""Notice services: creating from proposals, editing a draft, publishing, closing (staff and beat), permissions."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from notifications.models import Notification
from recognition.models import Notice, NoticeItem
from recognition.services import notices
from recognition.tasks import close_due_notices
from review.models import Proposal

from .builders import draft_notice, end_period, objection, proposed_batch, published_notice

pytestmark = pytest.mark.django_db


def test_create_lists_every_proposed_application_at_its_level_in_level_order(world):
    batch, apps = proposed_batch(world, 3, levels=["provincial", "international", "domestic"])
    notice = draft_notice(world, batch)
    items = list(notice.items.order_by("position"))
    assert [(i.application_id, i.level, i.position) for i in items] == [
        (apps[1].pk, "international", 1), (apps[2].pk, "domestic", 2), (apps[0].pk, "provincial", 3)]
    assert notice.state == Notice.State.DRAFT
    assert AuditEvent.objects.filter(action="notice.created", object_id=str(notice.pk)).exists()


def test_create_leaves_out_not_proposed_and_other_states(world):
    batch, apps = proposed_batch(world, 2)
    Proposal.objects.filter(application=apps[0]).update(outcome="not_proposed")
    from certification.models import Application

    Application.objects.filter(pk=apps[0].pk).update(state="not_proposed")
    notice = draft_notice(world, batch)
    assert list(notice.items.values_list("application_id", flat=True)) == [apps[1].pk]


def test_create_refused_without_proposals_and_writes_nothing(world):
    from tests.review.builders import closed_batch

    batch = closed_batch(world.province_user)
    with pytest.raises(ValidationError) as exc:
        draft_notice(world, batch)
    assert "batch" in exc.value.message_dict
    assert not Notice.objects.exists()


@pytest.mark.parametrize("field,value", [("title", " "), ("contact", ""), ("working_days", 4),
                                         ("working_days", 31), ("starts_at", dt.datetime(2026, 1, 5, 9))])
def test_create_validation_names_the_field_and_writes_nothing(world, field, value):
    batch, _apps = proposed_batch(world, 1)
    kwargs = {field: value}
    with pytest.raises(ValidationError) as exc:
        draft_notice(world, batch, **kwargs)
    assert field in exc.value.message_dict
    assert not Notice.objects.exists() and not NoticeItem.objects.exists()


def test_second_active_notice_for_a_batch_is_refused(world):
    batch, _apps = proposed_batch(world, 1)
    draft_notice(world, batch)
    with pytest.raises(ValidationError):
        draft_notice(world, batch)
    assert Notice.objects.count() == 1


@pytest.mark.parametrize("who", ["hz_user", "binjiang_user", "finance_user", "ent_hz_user", "expert_user"])
def test_only_province_industry_staff_manage_notices(world, who):
    batch, _apps = proposed_batch(world, 1)
    user = getattr(world, who)
    with pytest.raises(PermissionDenied):
        notices.create_notice(actor=user, batch=batch, title="t", contact="c", starts_at=timezone.now())
    notice = draft_notice(world, batch)
    for service in (notices.publish_notice, notices.close_notice):
        with pytest.raises(PermissionDenied):
            service(actor=user, notice_id=notice.pk)
    with pytest.raises(PermissionDenied):
        notices.update_notice(actor=user, notice_id=notice.pk, title="x")
    assert Notice.objects.get(pk=notice.pk).state == "draft"


def test_update_recomputes_end_and_refreshes_items(world):
    batch, apps = proposed_batch(world, 1)
    notice = draft_notice(world, batch, starts_at=timezone.now())
    _b, more = proposed_batch(world, 1, batch=batch, levels=["international"])
    start = dt.datetime(2026, 9, 29, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    notice = notices.update_notice(actor=world.province_user, notice_id=notice.pk, starts_at=start, title="新标题")
    # Tue 09-29, Wed 09-30, (holiday 10-01…10-07), Thu 10-08, Fri 10-09, Sat 10-10 (调休上班).
    assert notice.ends_at == dt.datetime(2026, 10, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert list(notice.items.order_by("position").values_list("application_id", "level")) == [
        (more[0].pk, "international"), (apps[0].pk, "domestic")]


def test_publish_refused_when_proposals_changed_since_the_draft(world):
    batch, apps = proposed_batch(world, 2)
    notice = draft_notice(world, batch)
    Proposal.objects.filter(application=apps[0]).update(outcome="international")
    with pytest.raises(ValidationError):
        notices.publish_notice(actor=world.province_user, notice_id=notice.pk)
    assert Notice.objects.get(pk=notice.pk).state == "draft"
    notices.update_notice(actor=world.province_user, notice_id=notice.pk)
    notice = notices.publish_notice(actor=world.province_user, notice_id=notice.pk)
    assert notice.state == "published"
    assert notice.items.get(application=apps[0]).level == "international"


def test_publish_refuses_a_start_long_past(world):
    batch, _apps = proposed_batch(world, 1)
    notice = draft_notice(world, batch, starts_at=timezone.now() - dt.timedelta(hours=2))
    with pytest.raises(ValidationError) as exc:
        notices.publish_notice(actor=world.province_user, notice_id=notice.pk)
    assert "starts_at" in exc.value.message_dict
    # A start a few minutes ago is fine.
    notices.update_notice(actor=world.province_user, notice_id=notice.pk,
                          starts_at=timezone.now() - dt.timedelta(minutes=5))
    assert notices.publish_notice(actor=world.province_user, notice_id=notice.pk).state == "published"


def test_publish_audits_and_tells_province_staff(world):
    notice, _apps = published_notice(world, 2)
    assert notice.published_at is not None and notice.ends_at > notice.starts_at
    assert AuditEvent.objects.filter(action="notice.published", object_id=str(notice.pk)).exists()
    assert Notification.objects.filter(recipient=world.province_user, kind="notice.published").exists()


def test_published_notice_cannot_be_edited_or_published_again(world):
    notice, _apps = published_notice(world, 1)
    with pytest.raises(ValidationError):
        notices.update_notice(actor=world.province_user, notice_id=notice.pk, title="x")
    with pytest.raises(ValidationError):
        notices.publish_notice(actor=world.province_user, notice_id=notice.pk)


def test_staff_close_refused_before_the_end_then_allowed(world):
    notice, _apps = published_notice(world, 1)
    with pytest.raises(ValidationError):
        notices.close_notice(actor=world.province_user, notice_id=notice.pk)
    end_period(notice)
    notice = notices.close_notice(actor=world.province_user, notice_id=notice.pk)
    assert notice.state == "closed" and notice.closed_at is not None
    assert AuditEvent.objects.filter(action="notice.closed", object_id=str(notice.pk)).exists()


def test_beat_closes_due_notices_only(world):
    due, _a = published_notice(world, 1)
    running, _b = published_notice(world, 1)
    end_period(due)
    assert close_due_notices.delay().get() == 1
    assert Notice.objects.get(pk=due.pk).state == "closed"
    assert Notice.objects.get(pk=running.pk).state == "published"
    assert notices.close_due_notices() == 0  # nothing left: idempotent
    assert Notification.objects.filter(kind="notice.closed").count() == 1


def test_closing_reports_open_objections(world):
    notice, _apps = published_notice(world, 1)
    objection(notice.items.get())
    end_period(notice)
    notices.close_due_notices()
    event = AuditEvent.objects.get(action="notice.closed", object_id=str(notice.pk))
    assert event.after["open_objections"] == 1


def test_the_notice_pdf_is_chinese_for_an_english_reader(world):
    from io import BytesIO

    from django.utils import translation
    from pypdf import PdfReader

    from recognition.pdf_notice import render_notice_pdf

    notice, _apps = published_notice(world, 1)
    with translation.override("en"):
        content = render_notice_pdf(notice)
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    assert "国内首台（套）" in text and "Domestic" not in text
