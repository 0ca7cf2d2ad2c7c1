"""Notifications through a real Celery worker on Redis: delivery after commit, and a broker outage."""

import re
import time

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import Delivery, Notification
from notifications.services import notify
from notifications.tasks import deliver, sweep_deliveries
from tests import factories as f

from .conftest import celery_broker, mail_files, wait_for

pytestmark = pytest.mark.integration

DELIVERY_TIMEOUT = 30


def _email_delivery(notification):
    return Delivery.objects.get(notification=notification, channel=Delivery.Channel.EMAIL)


def _wait_sent(delivery_id):
    def sent():
        d = Delivery.objects.get(pk=delivery_id)
        return d if d.status == Delivery.Status.SENT else None

    return wait_for(sent, DELIVERY_TIMEOUT, interval=0.2, what=f"delivery {delivery_id} to be sent")


def test_worker_delivers_the_email_once_after_commit(start_worker, mail_dir):
    worker = start_worker()
    user = f.UserFactory(email="recipient@example.com")

    with transaction.atomic():
        (n,) = notify(recipients=[user], kind="system.message", subject="集成测试通知", body="正文", link="/inbox/")
        # Nothing is published before commit: the worker cannot see the rows yet.
        assert _email_delivery(n).status == Delivery.Status.PENDING

    delivery = _wait_sent(_email_delivery(n).pk)
    assert delivery.attempts == 1
    assert delivery.sent_at is not None
    assert delivery.last_error == ""
    files = mail_files(mail_dir)
    assert len(files) == 1
    content = files[0].read_text(encoding="utf-8", errors="replace")
    assert "recipient@example.com" in content
    assert "notifications.tasks.deliver" in worker.log()
    # The in-app copy is recorded as delivered at once.
    assert Delivery.objects.get(notification=n, channel=Delivery.Channel.IN_APP).status == Delivery.Status.SENT


def test_nothing_is_sent_for_a_rolled_back_notification(start_worker, mail_dir):
    worker = start_worker()
    user = f.UserFactory(email="rollback@example.com")

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        notify(recipients=[user], kind="system.message", subject="不应发送")
        raise Rollback

    # Prove the worker is alive and has drained the queue, then check that nothing was sent.
    result = sweep_deliveries.delay()
    wait_for(lambda: worker.task_done(result.id), DELIVERY_TIMEOUT, what="the sweep task to run")
    assert not Notification.objects.exists()
    assert mail_files(mail_dir) == []


def test_broker_outage_leaves_delivery_to_the_sweep_and_sends_once(private_redis, start_worker, mail_dir):
    # private_redis first: set up before, torn down after the worker.
    user = f.UserFactory(email="outage@example.com")

    with celery_broker(private_redis.url):
        private_redis.stop()

        started = time.monotonic()
        with transaction.atomic():
            (n,) = notify(recipients=[user], kind="system.message", subject="代理中断期间的通知", body="正文")
        elapsed = time.monotonic() - started
        # The on_commit publish failed fast and was swallowed; the outbox rows are there.
        assert elapsed < 10, f"notify() with the broker down took {elapsed:.1f}s"
        delivery = _email_delivery(n)
        assert delivery.status == Delivery.Status.PENDING
        assert delivery.attempts == 0
        assert Notification.objects.filter(pk=n.pk).exists()

        private_redis.start()  # on the same port: this process reconnects on its next publish by itself
        worker = start_worker(private_redis.url)

        # The sweep leaves a fresh delivery to the after-commit task for FIRST_SWEEP_DELAY (60 s);
        # pretend that time has passed rather than wait for it.
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        result = sweep_deliveries.delay()
        delivery = _wait_sent(delivery.pk)
        wait_for(lambda: worker.task_done(result.id), DELIVERY_TIMEOUT, what="the sweep task to finish")
        assert delivery.attempts == 1
        assert len(mail_files(mail_dir)) == 1
        assert "notifications.tasks.deliver[" not in worker.log()  # sent by the sweep: nothing else was queued

        # Duplicate messages for the same delivery (a retried publish, a second sweep) send nothing more.
        duplicates = [deliver.delay(delivery.pk), deliver.delay(delivery.pk), sweep_deliveries.delay()]
        for r in duplicates:
            wait_for(lambda r=r: worker.task_done(r.id), DELIVERY_TIMEOUT, what=f"task {r.id} to finish")
        assert len(mail_files(mail_dir)) == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)
        for r in duplicates[:2]:  # deliver() ran and returned False: the claim refused a second send
            assert re.search(rf"deliver\[{r.id}\] succeeded in [0-9.]+s: False", worker.log())
