from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from audit.models import AuditEvent
from certification.models import Batch
from certification.services.batches import close_due_batches
from certification.tasks import close_due_batches as close_due_batches_task
from tests.certification.helpers import open_batch


def _deadline_passed(batch, minutes=1):
    """The batch's closing time, moved into the past as the clock would move it."""
    past = timezone.now() - timedelta(minutes=minutes)
    Batch.objects.filter(pk=batch.pk).update(opens_at=past - timedelta(days=30), closes_at=past,
                                             recommend_deadline=past + timedelta(days=10))


@pytest.mark.django_db
def test_beat_closes_an_open_batch_once_its_deadline_has_passed(world):
    due = open_batch(world.province_user)
    still_open = open_batch(world.province_user, name="第二批")
    _deadline_passed(due)

    closed = close_due_batches_task.apply().get()

    assert closed == [due.pk]
    assert Batch.objects.get(pk=due.pk).state == Batch.State.CLOSED
    assert Batch.objects.get(pk=still_open.pk).state == Batch.State.OPEN
    event = AuditEvent.objects.get(action="batch.closed", object_id=str(due.pk))
    assert event.actor is None and event.reason == "deadline reached"


@pytest.mark.django_db
def test_closing_due_batches_twice_closes_nothing_the_second_time(world):
    batch = open_batch(world.province_user)
    _deadline_passed(batch)

    first, second = close_due_batches(), close_due_batches()

    assert (first, second) == ([batch.pk], [])
    assert AuditEvent.objects.filter(action="batch.closed").count() == 1


def test_beat_schedule_runs_the_batch_closing_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["certification-close-due-batches"]

    assert entry["task"] == "certification.tasks.close_due_batches"
    assert entry["schedule"] <= 60
