"""Builders for the expert-review tests: a closed batch with applications through formal review, experts, and
a round. Applications are written straight in state "passed" (the intake workflow has its own tests)."""

import datetime as dt
import itertools

from django.utils import timezone

from certification.models import Application, Batch
from tests import factories as f
from tests.certification.helpers import application_fields, open_batch

_seq = itertools.count(1)


def closed_batch(province_user, **overrides):
    batch = open_batch(province_user, **overrides)
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.CLOSED)
    return Batch.objects.get(pk=batch.pk)


def passed_application(batch, enterprise, *, field="robotics", declared_level="domestic", **overrides):
    n = next(_seq)
    data = application_fields(field=field, declared_level=declared_level, product_name=f"测试产品{n}",
                              model_spec=f"T-{n}", **overrides)
    return Application.objects.create(
        batch=batch, enterprise=enterprise, region=enterprise.region, city=enterprise.region.parent,
        number=f"{batch.year}-{n:05d}", state="passed", created_by=batch.created_by,
        submitted_at=timezone.now() - dt.timedelta(days=10), commitment_confirmed_at=timezone.now(), **data,
    )


def experts(count, *, fields=("robotics",), employer=None, prefix="exp"):
    """`count` experts with the given fields, each employed by their own organisation unless one is given."""
    people = []
    for _i in range(count):
        org = employer or f.OrganisationFactory(kind="other", name=f"{prefix}单位{next(_seq)}")
        people.append(f.expert(org, fields=tuple(fields), username=f"{prefix}{next(_seq)}"))
    return people


def review_round(province_user, batch, **settings):
    from review.services import rounds

    rr = rounds.create_round(actor=province_user, batch=batch)
    if settings:
        rr = rounds.update_settings(actor=province_user, review_round=rr, **settings)
    return rr


def started_round(world, *, apps=2, per_application=3, pool=4, field="robotics"):
    """A started round: `apps` applications of ent_hz in `field`, a pool of experts, all auto-assigned."""
    from review.services import assignments, rounds

    batch = closed_batch(world.province_user)
    applications = [passed_application(batch, world.ent_hz, field=field) for _ in range(apps)]
    people = experts(pool, fields=(field,))
    rr = review_round(world.province_user, batch, experts_per_application=per_application)
    assignments.auto_assign(actor=world.province_user, review_round=rr)
    rr = rounds.start_round(actor=world.province_user, review_round=rr)
    return rr, applications, people


def score_all(assignment, *, points=None, vote="domestic", comment="创新性突出，指标先进。"):
    """Declare no conflict and submit a sheet for the assignment's expert (points: one per criterion)."""
    from review.services import assignments, sheets

    expert = assignment.expert
    assignments.declare(actor=expert, assignment_id=assignment.pk, conflict=False)
    criteria = list(assignment.round.criteria.all())
    points = points or [c.max_points * 8 / 10 for c in criteria]
    return sheets.submit(actor=expert, sheet_id=assignment.sheet.pk,
                         scores={str(c.id): str(p) for c, p in zip(criteria, points, strict=True)},
                         level_vote=vote, comment=comment, confirmed=True)
