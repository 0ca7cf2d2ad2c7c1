"""Builders for the review API tests: JSON calls, sheets filled through the services, and rows in bulk for the
query-count tests (plain functions, each self-contained)."""

from decimal import Decimal

from django.utils import timezone

from certification.models import Application
from review.models import Assignment, ScoreSheet

from .builders import passed_application

JSON = "application/json"
API = "/api/v1/review"


def call(client, method, url, data=None):
    """A JSON request; GET passes data as query parameters."""
    if method == "get":
        return client.get(url, data or {})
    return getattr(client, method)(url, data if data is not None else {}, content_type=JSON)


def fields_of(response):
    assert response.status_code == 400, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == "invalid", body
    return body["error"]["fields"]


def review_events():
    """Audit events written by the review services (logins are audited too, so not every event counts)."""
    from audit.models import AuditEvent

    return AuditEvent.objects.filter(action__startswith="review.").count()


def scores_for(review_round, points):
    criteria = list(review_round.criteria.all())
    return {str(c.pk): str(p) for c, p in zip(criteria, points, strict=True)}


def declare_and_submit(assignment, *, points, vote, comment):
    """The assignment's expert declares no conflict and submits these points (one per criterion)."""
    from review.services import assignments, sheets

    assignments.declare(actor=assignment.expert, assignment_id=assignment.pk, conflict=False)
    return sheets.submit(actor=assignment.expert, sheet_id=assignment.sheet.pk,
                         scores=scores_for(assignment.round, points), level_vote=vote, comment=comment,
                         confirmed=True)


def bulk_scored(world, review_round, n, experts, *, state="expert_review"):
    """n applications of ent_hz in expert review, each with every given expert accepted and a submitted sheet
    (rows written straight, for list sizes)."""
    apps = [passed_application(review_round.batch, world.ent_hz) for _ in range(n)]
    Application.objects.filter(pk__in=[a.pk for a in apps]).update(state=state)
    rows = Assignment.objects.bulk_create(
        Assignment(round=review_round, application=a, expert=e, state=Assignment.State.ACCEPTED,
                   created_by=world.province_user)
        for a in apps for e in experts
    )
    now = timezone.now()
    ScoreSheet.objects.bulk_create(
        ScoreSheet(assignment=r, application_id=r.application_id, state=ScoreSheet.State.SUBMITTED,
                   total=Decimal(60 + (i * 7) % 40), submitted_at=now, level_vote="domestic", comment="批量意见")
        for i, r in enumerate(rows)
    )
    return apps
