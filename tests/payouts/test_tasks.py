"""The payout beat tasks: registered under the names beat uses, retried on a database error, and idempotent —
a retried or repeated run never proposes, notifies or pays twice."""

import datetime as dt
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError

from config.celery import app
from notifications.models import Notification
from payouts import tasks
from payouts.models import Payout
from payouts.services import approvals, proposals
from tests.payouts import builders as b


def test_beat_entries_name_registered_tasks():
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"].startswith("payouts.")}
    assert names == {"payouts.tasks.propose_compensations", "payouts.tasks.flag_overdue"}
    for name in names:
        task = app.tasks[name]
        assert OperationalError in task.autoretry_for and task.max_retries and task.retry_backoff


def test_propose_compensations_retried_after_a_database_error_mid_run(world):
    claims = b.payable_claims(world, cover_years=(1, 2, 3))
    real = proposals._propose_compensation
    calls = []

    def flaky(claim_id, actor):
        calls.append(claim_id)
        if len(calls) == 2:  # the second claim's transaction fails: the first is committed already
            raise OperationalError("server closed the connection unexpectedly")
        return real(claim_id, actor)

    with mock.patch.object(proposals, "_propose_compensation", side_effect=flaky):
        result = tasks.propose_compensations.apply()
    assert result.successful() and result.get() == 2  # the retry made the two the first run had not
    assert calls == [claims[0].pk, claims[1].pk, claims[1].pk, claims[2].pk]
    assert Payout.objects.filter(claim__in=claims).count() == 3
    assert tasks.propose_compensations.delay().get() == 0
    assert Notification.objects.filter(kind="payout.to_approve", recipient=world.province_user).count() == 3


def test_flag_overdue_retried_after_a_database_error_notifies_once(world):
    day = dt.date(2026, 3, 2)
    with b.clock(day):
        payout = b.reward_payout(b.recognition(world), state="allocated")
    real = approvals.notify
    failed = []

    def flaky(**kwargs):
        if kwargs["kind"] == "payout.overdue" and not failed:
            failed.append(True)
            raise OperationalError("deadlock detected")
        return real(**kwargs)

    with b.clock(day + dt.timedelta(days=31)), mock.patch.object(approvals, "notify", side_effect=flaky):
        result = tasks.flag_overdue.apply()
        assert result.successful() and result.get() == 1
        assert tasks.flag_overdue.apply().get() == 0
    assert failed == [True]
    assert Notification.objects.filter(kind="payout.overdue", recipient=world.finance_user).count() == 1
    assert Payout.objects.get(pk=payout.pk).overdue_notified_at is not None


def test_a_task_gives_up_after_its_retries(world):
    b.payable_claims(world)
    with mock.patch.object(proposals, "_propose_compensation", side_effect=OperationalError("down")):
        result = tasks.propose_compensations.apply()
    assert result.failed() and isinstance(result.result, OperationalError)
    assert not Payout.objects.exists()


def test_running_every_task_again_never_pays_twice(world):
    """A disbursed payout stays paid once whatever the tasks do afterwards (none of them disburses)."""
    day = dt.date(2026, 3, 2)
    with b.clock(day):
        paid = b.compensation_payout(world, state="disbursed")
    before = Payout.objects.get(pk=paid.pk)
    with b.clock(day + dt.timedelta(days=60)):
        for _ in range(2):
            assert tasks.propose_compensations.delay().get() == 0
            assert tasks.flag_overdue.delay().get() == 0
    after = Payout.objects.get(pk=paid.pk)
    assert (after.state, after.disbursed_on, after.bank_reference, after.updated_at) == (
        before.state,
        before.disbursed_on,
        before.bank_reference,
        before.updated_at,
    )
    assert Payout.objects.filter(claim=paid.claim).count() == 1
    assert Notification.objects.filter(kind="payout.disbursed", recipient=world.ent_hz_user).count() == 1


@pytest.mark.parametrize("task", [tasks.propose_compensations, tasks.flag_overdue])
def test_tasks_answer_counts(world, task):
    assert task.delay().get() == 0
