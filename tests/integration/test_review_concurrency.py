"""Expert review under concurrency on PostgreSQL: each thread on its own connection, released together by a
barrier. Two submits of one sheet → exactly one succeeds; two auto-assign runs of one round → no application
over the configured number and no pair twice; two proposals for one application → one row, the last wins."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from audit.models import AuditEvent
from certification.models import Application
from review.models import Assignment, Proposal, ScoreSheet
from review.services import assignments, proposals, sheets
from tests.review.builders import closed_batch, experts, passed_application, review_round, score_all, started_round

pytestmark = pytest.mark.integration


def race(*calls, timeout=30):
    """Run the callables at the same moment, each in its own thread (own connection). Returns their outcomes
    in order: the return value, or the exception raised."""
    barrier = threading.Barrier(len(calls), timeout=10)
    outcomes = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            outcomes[i] = fn()
        except Exception as exc:  # reported by the caller's assertions
            outcomes[i] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return outcomes


@pytest.fixture
def eager(settings):
    # Deliveries run in-process (locmem mail) so nothing is left on the shared broker for another worker.
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_two_simultaneous_submits_of_one_sheet_exactly_one_succeeds(transactional_db, world, eager):
    assert connection.vendor == "postgresql"
    rr, (app,), _people = started_round(world, apps=1, per_application=3, pool=3)
    a = Assignment.objects.select_related("expert", "sheet").filter(application=app).first()
    assignments.declare(actor=a.expert, assignment_id=a.pk, conflict=False)
    criteria = list(rr.criteria.all())

    def submit(fraction):
        return sheets.submit(
            actor=a.expert, sheet_id=a.sheet.pk, level_vote="domestic", comment="指标先进，应用前景好。", confirmed=True,
            scores={str(c.id): str(c.max_points * fraction) for c in criteria},
        )

    outcomes = race(lambda: submit(1), lambda: submit(0))
    ok = [o for o in outcomes if isinstance(o, ScoreSheet)]
    refused = [o for o in outcomes if not isinstance(o, ScoreSheet)]
    assert len(ok) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], ValidationError), repr(refused[0])
    assert "已提交" in refused[0].messages[0]
    sheet = ScoreSheet.objects.get(pk=a.sheet.pk)
    assert sheet.state == "submitted" and sheet.total == ok[0].total
    events = AuditEvent.objects.filter(action="review.sheet_submitted", object_id=str(sheet.pk))
    assert events.count() == 1
    assert str(events.get().after["total"]) == str(sheet.total)


def test_two_simultaneous_auto_assign_runs_never_overfill(transactional_db, world, eager):
    batch = closed_batch(world.province_user)
    apps = [passed_application(batch, world.ent_hz if i % 2 else world.ent_nb, field="robotics") for i in range(12)]
    pool = experts(9, fields=("robotics",))
    pool += experts(2, fields=("robotics",), employer=world.ent_hz)  # never on ent_hz's applications
    rr = review_round(world.province_user, batch, experts_per_application=5)

    outcomes = race(*[lambda: assignments.auto_assign(actor=world.province_user, review_round=rr)] * 2)
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    rows = list(Assignment.objects.filter(round=rr).values_list("application_id", "expert_id", "state"))
    pairs = [(a, e) for a, e, _s in rows]
    assert len(pairs) == len(set(pairs))
    per_app = {app.pk: 0 for app in apps}
    for a, _e, state in rows:
        assert state == "pending"
        per_app[a] += 1
    assert set(per_app.values()) == {5}, per_app
    # The second run, serialised behind the first on the round's row lock, found nothing to do.
    assert sorted(o["created"] for o in outcomes) == [0, 60]
    assert all(o["shortages"] == [] for o in outcomes)
    employed = {e.pk for e in pool[-2:]}
    assert not Assignment.objects.filter(round=rr, expert_id__in=employed, application__enterprise=world.ent_hz).exists()
    assert ScoreSheet.objects.filter(assignment__round=rr).count() == 60
    assert AuditEvent.objects.filter(action="review.auto_assigned").count() == 2


def test_two_simultaneous_proposals_one_row_last_wins(transactional_db, world, eager):
    rr, (app,), _people = started_round(world, apps=1, per_application=3, pool=3)
    for a in Assignment.objects.filter(application=app).select_related("round", "expert", "sheet"):
        score_all(a, vote="domestic")
    second_staff = world.province_user.__class__.objects.get(pk=world.province_user.pk)

    outcomes = race(
        lambda: proposals.record_proposal(actor=world.province_user, application_id=app.pk, outcome="domestic"),
        lambda: proposals.record_proposal(actor=second_staff, application_id=app.pk, outcome="provincial",
                                          reason="国内已有同类产品，按省内首台（套）认定"),
    )
    assert all(isinstance(o, Proposal) for o in outcomes), outcomes
    assert Proposal.objects.filter(application=app).count() == 1
    final = Proposal.objects.get(application=app)
    first, last = AuditEvent.objects.filter(action="review.proposal_recorded").order_by("id")
    # Serialised on the application's row lock: the second saw the first's proposal, and the stored row is
    # the second's, whole (outcome and reason from the same call).
    assert first.before is None
    assert last.before == {"outcome": first.after["outcome"], "reason": first.reason}
    assert final.outcome == last.after["outcome"] and final.reason == last.reason
    assert {first.after["outcome"], last.after["outcome"]} == {"domestic", "provincial"}
    assert final.score == ScoreSheet.objects.filter(application=app).first().total
    assert Application.objects.get(pk=app.pk).state == "proposed"


def test_submit_and_remove_at_once_never_both_succeed(transactional_db, world, eager):
    """The expert submits while staff remove them: either the sheet is in and the removal refused, or the
    removal stands and the submit is refused; never a submitted sheet on a removed assignment."""
    rr, (app,), _people = started_round(world, apps=1, per_application=3, pool=3)
    a = Assignment.objects.select_related("expert", "sheet").filter(application=app).first()
    assignments.declare(actor=a.expert, assignment_id=a.pk, conflict=False)
    criteria = list(rr.criteria.all())

    def submit():
        return sheets.submit(actor=a.expert, sheet_id=a.sheet.pk, level_vote="domestic", comment="同意推荐。",
                             confirmed=True, scores={str(c.id): str(c.max_points) for c in criteria})

    def remove():
        return assignments.remove_assignment(actor=world.province_user, assignment=a, reason="工作冲突，调整专家")

    outcomes = race(submit, remove)
    succeeded = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(succeeded) == 1, outcomes
    [refused] = [o for o in outcomes if isinstance(o, Exception)]
    # The removal is refused once the sheet is in (ValidationError); the submit, once the expert is removed,
    # no longer finds the sheet among theirs (PermissionDenied): which one depends on the order.
    assert isinstance(refused, ValidationError | PermissionDenied), repr(refused)
    state = Assignment.objects.get(pk=a.pk).state
    sheet_state = ScoreSheet.objects.get(pk=a.sheet.pk).state
    assert (state, sheet_state) in {("accepted", "submitted"), ("removed", "draft")}
