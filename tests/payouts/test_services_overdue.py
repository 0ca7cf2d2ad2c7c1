"""The 30-day rule with frozen time: due 30 days after the allocation; overdue from day 31, not on day 30;
flagged and notified once however often the sweep runs; a disbursed payout is never overdue."""

import datetime as dt

from audit.models import AuditEvent
from notifications.models import Notification
from payouts.models import Payout
from payouts.services import approvals
from payouts.services.approvals import flag_overdue, overdue
from payouts.tasks import flag_overdue as flag_task
from tests.payouts import builders as b

ALLOCATED = dt.date(2026, 3, 2)
DAY_30 = dt.date(2026, 4, 1)  # allocated_on + 30: the last day allowed
DAY_31 = dt.date(2026, 4, 2)


def _allocated(world, enterprise=None):
    with b.clock(ALLOCATED):
        return b.reward_payout(b.recognition(enterprise or world), state="allocated", allocated_on=ALLOCATED)


def test_due_on_is_thirty_days_after_the_allocation(world):
    p = _allocated(world)
    assert p.allocated_on == ALLOCATED and p.due_on == DAY_30 == ALLOCATED + dt.timedelta(days=30)


def test_overdue_on_day_31_not_on_day_30(world):
    p = _allocated(world)
    assert overdue(p, today=ALLOCATED) is None
    assert overdue(p, today=DAY_30) is None
    late = overdue(p, today=DAY_31)
    assert late["due_on"] == DAY_30 and late["days_overdue"] == 1
    assert "2026-03-02" in late["working"] and "2026-04-01" in late["working"] and "已逾期 1 天" in late["working"]
    assert overdue(p, today=DAY_31 + dt.timedelta(days=9))["days_overdue"] == 10
    # Without today=: the frozen clock's local date.
    with b.clock(DAY_30):
        assert overdue(p) is None
    with b.clock(DAY_31):
        assert overdue(p)["days_overdue"] == 1


def test_local_date_decides_at_midnight_in_shanghai(world):
    p = _allocated(world)
    # 2026-04-01 16:30 UTC is 2026-04-02 00:30 in Asia/Shanghai: day 31 there.
    with b.clock(dt.datetime(2026, 4, 1, 16, 30, tzinfo=dt.UTC)):
        assert overdue(p)["days_overdue"] == 1
    with b.clock(dt.datetime(2026, 4, 1, 15, 30, tzinfo=dt.UTC)):
        assert overdue(p) is None


def test_flag_overdue_notifies_once_even_when_run_twice(world):
    p = _allocated(world)
    assert flag_overdue(today=DAY_30) == 0
    assert flag_overdue(today=DAY_31) == 1
    assert flag_overdue(today=DAY_31) == 0
    assert flag_overdue(today=DAY_31 + dt.timedelta(days=5)) == 0
    for user in (world.hz_user, world.binjiang_user, world.finance_user):
        assert Notification.objects.filter(recipient=user, kind="payout.overdue").count() == 1
    assert not Notification.objects.filter(recipient=world.nb_user, kind="payout.overdue").exists()
    assert not Notification.objects.filter(recipient=world.ent_hz_user, kind="payout.overdue").exists()
    assert Payout.objects.get(pk=p.pk).overdue_notified_at is not None
    assert AuditEvent.objects.filter(action="payout.overdue_flagged", object_id=str(p.pk)).count() == 1


def test_the_beat_task_uses_the_local_date(world):
    _allocated(world)
    with b.clock(DAY_30):
        assert flag_task.delay().get() == 0
    with b.clock(DAY_31):
        assert flag_task.delay().get() == 1
        assert flag_task.delay().get() == 0  # a retry or the next hour: nothing more
    assert Notification.objects.filter(kind="payout.overdue", recipient=world.finance_user).count() == 1


def test_disbursed_payouts_are_never_overdue(world):
    p = _allocated(world)
    with b.clock(DAY_31 + dt.timedelta(days=30)):
        done = approvals.disburse(actor=world.hz_user, payout_id=p.pk, disbursed_on=DAY_31, bank_reference="LS1")
    assert overdue(done, today=DAY_31 + dt.timedelta(days=100)) is None
    assert flag_overdue(today=DAY_31 + dt.timedelta(days=100)) == 0
    assert AuditEvent.objects.get(action="payout.disbursed").after["late"] is True


def test_other_states_are_never_overdue(world):
    with b.clock(ALLOCATED):
        payouts = [
            b.reward_payout(b.recognition(world), state=s)
            for s in ("proposed", "industry_approved", "finance_approved", "rejected")
        ]
    for p in payouts:
        assert overdue(p, today=DAY_31 + dt.timedelta(days=365)) is None
    assert flag_overdue(today=DAY_31 + dt.timedelta(days=365)) == 0


def test_each_overdue_payout_is_flagged_on_its_own_day(world):
    first = _allocated(world)
    with b.clock(ALLOCATED + dt.timedelta(days=3)):
        second = b.reward_payout(b.recognition(world), state="allocated")
    assert flag_overdue(today=DAY_31) == 1
    assert flag_overdue(today=DAY_31 + dt.timedelta(days=3)) == 1
    assert all(Payout.objects.get(pk=p.pk).overdue_notified_at for p in (first, second))
