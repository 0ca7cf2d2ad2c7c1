"""Beat reminders before the review deadline (services.reminders.remind_experts), with an explicit `now`."""

from datetime import timedelta

import pytest

from notifications.models import Notification
from review.models import Assignment, ReviewRound
from review.services import assignments, reminders, rounds

from .builders import closed_batch, experts, passed_application, review_round, score_all, started_round

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)


def reminded():
    """{expert id: [body, …]} of the reminders written so far."""
    out = {}
    for recipient, body in Notification.objects.filter(kind="review.reminder").values_list("recipient_id", "body"):
        out.setdefault(recipient, []).append(body)
    return out


def active_by_expert(rr):
    counts = {}
    for e in Assignment.objects.filter(round=rr, state__in=Assignment.ACTIVE).values_list("expert_id", flat=True):
        counts[e] = counts.get(e, 0) + 1
    return counts


def test_one_reminder_per_expert_with_pending_work_within_72_hours(world):
    rr, _apps, _people = started_round(world, apps=3, per_application=3, pool=5)
    work = active_by_expert(rr)
    assert len(work) >= 3 and any(n > 1 for n in work.values())  # some experts have several assignments

    assert reminders.remind_experts(now=rr.deadline - 72 * H - timedelta(minutes=1)) == 0  # not yet
    assert reminded() == {}
    now = rr.deadline - 48 * H
    assert reminders.remind_experts(now=now) == len(work)
    got = reminded()
    assert set(got) == set(work)
    for expert_id, bodies in got.items():
        assert len(bodies) == 1  # one notification per expert, not one per assignment
        assert f"{work[expert_id]} 项" in bodies[0]
    assert set(Assignment.objects.filter(round=rr).values_list("last_reminded_at", flat=True)) == {now}


def test_the_72_hour_boundary_counts(world):
    rr, _apps, _people = started_round(world, apps=1, per_application=3, pool=3)
    assert reminders.remind_experts(now=rr.deadline - 72 * H) == 3


def test_not_again_within_23_hours_then_again(world):
    rr, _apps, _people = started_round(world, apps=2, per_application=3, pool=4)
    experts_with_work = len(active_by_expert(rr))
    first = rr.deadline - 70 * H
    assert reminders.remind_experts(now=first) == experts_with_work
    assert reminders.remind_experts(now=first) == 0  # a retried beat run
    assert reminders.remind_experts(now=first + 23 * H - timedelta(seconds=1)) == 0
    assert Notification.objects.filter(kind="review.reminder").count() == experts_with_work
    assert reminders.remind_experts(now=first + 23 * H + timedelta(seconds=1)) == experts_with_work
    assert Notification.objects.filter(kind="review.reminder").count() == 2 * experts_with_work
    assert all(len(b) == 2 for b in reminded().values())


def test_no_reminder_for_submitted_recused_or_removed(world):
    rr, (app,), people = started_round(world, apps=1, per_application=3, pool=3)
    done, recusing, removed = Assignment.objects.filter(application=app).select_related("round", "expert", "sheet")
    score_all(done)  # submitted: nothing left to do
    assignments.declare(actor=recusing.expert, assignment_id=recusing.pk, conflict=True, reason="曾任该企业顾问")
    assignments.remove_assignment(actor=world.province_user, assignment=removed, reason="专家出国")
    assert reminders.remind_experts(now=rr.deadline - 24 * H) == 0
    assert reminded() == {}


def test_accepted_with_a_draft_is_reminded_and_counts_only_what_is_pending(world):
    rr, (app1, app2), _people = started_round(world, apps=2, per_application=3, pool=3)
    # With three experts for two applications of three, every expert is on both.
    expert = Assignment.objects.filter(application=app1).first().expert
    on_1 = Assignment.objects.select_related("round", "expert", "sheet").get(application=app1, expert=expert)
    on_2 = Assignment.objects.get(application=app2, expert=expert)
    score_all(on_1)
    assignments.declare(actor=expert, assignment_id=on_2.pk, conflict=False)  # accepted, draft sheet
    assert reminders.remind_experts(now=rr.deadline - 24 * H) == 3
    [body] = reminded()[expert.pk]
    assert "1 项" in body


def test_no_reminder_after_the_deadline(world):
    rr, _apps, _people = started_round(world, apps=1, per_application=3, pool=3)
    assert reminders.remind_experts(now=rr.deadline) == 0
    assert reminders.remind_experts(now=rr.deadline + H) == 0
    assert reminded() == {}


def test_no_reminder_for_rounds_in_setup_or_closed(world):
    batch = closed_batch(world.province_user)
    passed_application(batch, world.ent_hz)
    experts(3, fields=("robotics",))
    rr = review_round(world.province_user, batch, experts_per_application=3)
    assignments.auto_assign(actor=world.province_user, review_round=rr)
    assert rr.state == ReviewRound.State.SETUP and Assignment.objects.filter(round=rr).count() == 3
    assert reminders.remind_experts(now=rr.deadline - 24 * H) == 0

    rr = rounds.start_round(actor=world.province_user, review_round=rr)
    rounds.close_round(actor=world.province_user, review_round=rr)
    assert reminders.remind_experts(now=rr.deadline - 24 * H) == 0
    assert reminded() == {}


def test_only_rounds_near_their_deadline(world):
    near, _apps, _people = started_round(world, apps=1, per_application=3, pool=3)
    far, _apps, _people = started_round(world, apps=1, per_application=3, pool=3, field="medical")
    rounds.update_settings(actor=world.province_user, review_round=far, deadline=near.deadline + timedelta(days=10))
    assert reminders.remind_experts(now=near.deadline - 24 * H) == 3
    far_experts = set(Assignment.objects.filter(round=far).values_list("expert_id", flat=True))
    assert not far_experts & set(reminded())


def test_a_new_assignment_does_not_bring_a_second_reminder_the_same_day(world):
    """'at most once a day each': an expert reminded an hour ago and then given one more application is not
    reminded again at the next hourly beat run."""
    rr, (app,), people = started_round(world, apps=1, per_application=3, pool=4)
    first = rr.deadline - 60 * H
    assert reminders.remind_experts(now=first) == 3
    on_it = set(Assignment.objects.filter(application=app).values_list("expert_id", flat=True))
    second_app = passed_application(rr.batch, world.ent_hz, field="robotics")
    spare = next(p for p in people if p.pk not in on_it)
    other = next(iter(on_it))
    from accounts.models import User

    assignments.add_assignment(actor=world.province_user, review_round=rr, application=second_app,
                               expert=User.objects.get(pk=other))
    assignments.add_assignment(actor=world.province_user, review_round=rr, application=second_app, expert=spare)
    # The spare expert has had no reminder yet: one is due. The other was reminded an hour ago: none.
    assert reminders.remind_experts(now=first + H) == 1
    assert len(reminded()[other]) == 1


def test_beat_schedule_runs_the_reminder_task(settings):
    from celery.schedules import crontab

    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["review-remind-experts"]
    assert entry["task"] == "review.tasks.remind_experts"
    schedule = entry["schedule"]
    # Hourly: a reminder window of 72 h and a 23 h spacing need a run at least every hour.
    assert isinstance(schedule, crontab) and len(schedule.hour) == 24 and len(schedule.minute) == 1
    app.loader.import_default_modules()
    assert "review.tasks.remind_experts" in app.tasks


def test_the_task_calls_the_service(world, monkeypatch):
    from review import tasks

    calls = []
    monkeypatch.setattr(reminders, "remind_experts", lambda now=None: calls.append(now) or 7)
    assert tasks.remind_experts.apply().get() == 7 and calls == [None]
