"""The Celery tasks of 政府首购: registered under the names beat uses, thin over their services, the reply mail
retried on failure and sent once however often it runs."""

from unittest import mock

import pytest
from django.conf import settings
from django.core import mail

from procurement import tasks
from procurement.models import Purchase, PurchaseObjection
from procurement.services.objections import add_justification
from tests.procurement.builders import buyer_org, buyer_user, end_notice, objection, purchase, recognition_for


@pytest.fixture
def buyer(world):
    return buyer_user(buyer_org())


def _answered(world, buyer, email="zs@example.com"):
    p = purchase(buyer, recognition_for(world.ent_hz), state="notice")
    o = objection(p, email=email)
    add_justification(actor=buyer, purchase_id=p.pk, text="补充论证。", objection_ids=[o.pk])
    mail.outbox.clear()
    return o


def test_beat_entries_name_registered_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    names = {entry["task"] for key, entry in settings.CELERY_BEAT_SCHEDULE.items() if key.startswith("procurement-")}
    assert names == {"procurement.tasks.close_due_notices", "procurement.tasks.send_objection_replies"}
    assert names | {"procurement.tasks.send_objection_reply"} <= set(app.tasks)


def test_close_due_notices_task(world, buyer):
    p = purchase(buyer, recognition_for(world.ent_hz), state="notice")
    end_notice(p)
    assert tasks.close_due_notices.delay().get() == 1
    assert Purchase.objects.get(pk=p.pk).state == Purchase.State.PENDING_AWARD
    assert tasks.close_due_notices.delay().get() == 0


def test_the_reply_task_twice_sends_one_mail(world, buyer):
    o = _answered(world, buyer)
    assert tasks.send_objection_reply.delay(o.pk).get() is True
    assert tasks.send_objection_reply.delay(o.pk).get() is False
    assert tasks.send_objection_replies.delay().get() == 0
    assert [m.to for m in mail.outbox] == [["zs@example.com"]]


def test_the_reply_task_retries_a_failed_send_and_the_claim_is_rolled_back(world, buyer):
    o = _answered(world, buyer)
    real_send = mail.EmailMessage.send
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("smtp down")
        return real_send(self, *args, **kwargs)

    assert tasks.send_objection_reply.retry_backoff and tasks.send_objection_reply.max_retries >= 3
    with mock.patch("django.core.mail.EmailMessage.send", flaky):
        result = tasks.send_objection_reply.apply(args=[o.pk])
    assert result.get() is True and len(calls) == 2
    assert PurchaseObjection.objects.get(pk=o.pk).reply_sent_at is not None
    assert len(mail.outbox) == 1


def test_the_sweep_leaves_a_failure_for_later(world, buyer):
    o = _answered(world, buyer)
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=ConnectionError("smtp down")):
        assert tasks.send_objection_replies.delay().get() == 0
    assert PurchaseObjection.objects.get(pk=o.pk).reply_sent_at is None
    assert tasks.send_objection_replies.delay().get() == 1
    assert len(mail.outbox) == 1
