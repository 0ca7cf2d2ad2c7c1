"""Builders for the notice and objection tests: a batch with N applications in state "proposed" (rows written
straight: the review workflow has its own tests), a notice built and published through the services, and an
objection filed through the service."""

import datetime as dt
import itertools

from django.utils import timezone

from certification.models import Application
from review.models import Proposal
from tests.review.builders import closed_batch, passed_application

LEVELS = ("domestic", "provincial", "international")
_seq = itertools.count(1)


def proposed_batch(world, n=3, *, levels=None, enterprise=None, batch=None):
    """A closed batch (or the given one) with n applications of ent_hz (or `enterprise`) in state "proposed",
    each with a Proposal at levels[i] (cycling domestic, provincial, international by default)."""
    batch = batch or closed_batch(world.province_user)
    levels = levels or [LEVELS[i % len(LEVELS)] for i in range(n)]
    apps = []
    for level in levels:
        app = passed_application(batch, enterprise or world.ent_hz)
        Application.objects.filter(pk=app.pk).update(state="proposed")
        Proposal.objects.create(application=app, outcome=level, decided_by=world.province_user,
                                decided_at=timezone.now(), score=80, rank=len(apps) + 1)
        apps.append(Application.objects.get(pk=app.pk))
    return batch, apps


def draft_notice(world, batch, *, starts_at=None, working_days=5, **overrides):
    from recognition.services import notices

    fields = {"title": f"{batch.name}拟认定名单公示", "body": "现将拟认定名单予以公示。",
              "contact": "受理单位：浙江省经济和信息化厅装备工业处\n电话：0571-87050000"}
    fields.update(overrides)
    return notices.create_notice(actor=world.province_user, batch=batch, working_days=working_days,
                                 starts_at=starts_at or timezone.now(), **fields)


def published_notice(world, n=3, **kwargs):
    """A published notice over a new batch of n proposed applications; its period runs now."""
    from recognition.services import notices

    batch, apps = proposed_batch(world, n)
    notice = draft_notice(world, batch, **kwargs)
    return notices.publish_notice(actor=world.province_user, notice_id=notice.pk), apps


def end_period(notice):
    """Move a published notice's period into the past (as if its working days had passed)."""
    from recognition.models import Notice

    now = timezone.now()
    Notice.objects.filter(pk=notice.pk).update(starts_at=now - dt.timedelta(days=10),
                                               ends_at=now - dt.timedelta(minutes=1))
    return Notice.objects.get(pk=notice.pk)


def objection(item, **overrides):
    from recognition.services import objections

    n = next(_seq)
    fields = {"name": f"张{n}", "organisation": "某竞争企业", "phone": "13912345678",
              "email": f"objector{n}@example.com", "content": "该产品并非国内首台，早有同类产品销售。"}
    fields.update(overrides)
    return objections.submit_objection(item_id=item.pk, **fields)
