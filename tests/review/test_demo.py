"""`manage.py demo` adds a batch in expert review, built through the services, and a second run changes nothing."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ExpertProfile, User
from certification.models import Application, Batch
from review import dashboard, demo
from review.models import Assignment, ExpertConflict, Proposal, ReviewRound, ScoreSheet
from tests.factories import ensure_regions

pytestmark = pytest.mark.django_db


def _run():
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_round(db):
    ensure_regions()
    output = _run()
    assert "Review: " + demo.BATCH_NAME in output
    return ReviewRound.objects.select_related("batch").get(batch__name=demo.BATCH_NAME)


def test_demo_creates_a_started_round_with_work_in_every_state(demo_round):
    """One test for the content (the demo takes a few seconds): the round, the sheets, the recusal, the
    proposals, the employer rule and expert01's dashboard."""
    rr, now = demo_round, timezone.now()
    batch = rr.batch
    assert batch.state == Batch.State.CLOSED and batch.opens_at < batch.closes_at <= batch.recommend_deadline < now
    assert rr.state == ReviewRound.State.STARTED and rr.deadline > now + timezone.timedelta(days=9)
    assert rr.experts_per_application == 5 and rr.criteria.count() == 5 and rr.panels.count() == 4

    apps_ = list(Application.objects.filter(batch=batch))
    assert len(apps_) == len(demo.PRODUCTS) >= 10
    assert len({a.field for a in apps_}) >= 5 and len({a.city_id for a in apps_}) >= 3
    assert {a.state for a in apps_} <= {"expert_review", "proposed"}
    # Every application went through the intake workflow: numbered, recommended, passed at formal review.
    assert all(a.number and a.city_recommended_at and a.decisions.filter(kind="pass").exists() for a in apps_)

    for app in apps_:
        assert Assignment.objects.filter(application=app, state__in=Assignment.ACTIVE).count() == 5

    sheets = ScoreSheet.objects.filter(assignment__round=rr, assignment__state__in=Assignment.ACTIVE)
    submitted = sheets.filter(state=ScoreSheet.State.SUBMITTED)
    assert submitted.count() >= 20 and len(set(submitted.values_list("total", flat=True))) > 10
    assert all(s.comment and s.level_vote for s in submitted)
    assert sheets.filter(state=ScoreSheet.State.DRAFT, assignment__state=Assignment.State.ACCEPTED).exists()
    assert Assignment.objects.filter(round=rr, state=Assignment.State.PENDING).exists()

    [recused] = Assignment.objects.filter(round=rr, state=Assignment.State.RECUSED)
    assert recused.conflict_reason
    assert ExpertConflict.objects.filter(expert=recused.expert, organisation=recused.application.enterprise).exists()

    proposals = Proposal.objects.filter(application__batch=batch)
    assert proposals.count() >= 1
    for p in proposals:
        assert not ScoreSheet.objects.filter(application=p.application, state=ScoreSheet.State.DRAFT,
                                             assignment__state__in=Assignment.ACTIVE).exists()

    _no_expert_reviews_their_employer(rr)
    _expert01_has_pending_and_submitted_work(rr)


def _no_expert_reviews_their_employer(demo_round):
    rows = Assignment.objects.filter(round=demo_round).select_related("application", "expert__expert_profile")
    assert all(a.expert.expert_profile.employer_id != a.application.enterprise_id for a in rows)
    # The rule is exercised: some experts of the pool work for applicants in the batch, in the same field.
    applicants = set(Application.objects.filter(batch=demo_round.batch).values_list("enterprise_id", flat=True))
    assert ExpertProfile.objects.filter(employer_id__in=applicants).count() >= 2


def _expert01_has_pending_and_submitted_work(demo_round):
    progress = dashboard.my_progress(User.objects.get(username="expert01"))
    assert progress["submitted"] >= 1
    assert progress["pending"] >= 1 and progress["to_score"] >= 1
    assert progress["deadline"] == demo_round.deadline


def _state():
    counts = {m._meta.label: m.objects.count() for m in apps.get_models() if not m._meta.proxy}
    review = list(ScoreSheet.objects.order_by("pk").values_list("pk", "state", "total", "submitted_at",
                                                                 "assignment__state"))
    batch = Batch.objects.filter(name=demo.BATCH_NAME).values("opens_at", "closes_at", "state").get()
    return counts, review, batch


def test_demo_twice_changes_nothing(demo_round):
    before = _state()
    output = _run()
    assert "Review: " + demo.BATCH_NAME in output
    assert _state() == before
