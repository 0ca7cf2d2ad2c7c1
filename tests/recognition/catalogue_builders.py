"""Builders for the catalogue and summary tests: Recognition rows written directly with bulk_create (the
recognition workflow has its own tests). Each recognition needs its own application (one-to-one) and notice item,
so `recognitions()` makes a passed application per row and one minimal notice for the batch."""

import datetime as dt
import itertools

from django.utils import timezone

from certification.catalogue import Category, Level
from recognition.models import Notice, NoticeItem, Recognition
from tests import factories as f
from tests.review.builders import closed_batch, passed_application

_seq = itertools.count(1)
LEVEL_MARK = {Level.INTERNATIONAL: "国际", Level.DOMESTIC: "国内", Level.PROVINCIAL: "省内"}


def batch(world, *, year=2026, name=None, **overrides):
    return closed_batch(world.province_user, year=year, name=name or f"{year}年度首台（套）认定第一批", **overrides)


def enterprise(county_code, name):
    """An approved enterprise in the county (its city is the county's parent)."""
    return f.OrganisationFactory(name=name, region=f.region(county_code))


def notice(batch, user):
    start = timezone.now() - dt.timedelta(days=30)
    return Notice.objects.create(batch=batch, title=f"{batch.name}拟认定名单公示", contact="省经信厅装备处",
                                 starts_at=start, ends_at=start + dt.timedelta(days=7), created_by=user)


def recognitions(batch, user, rows):
    """One Recognition per dict in `rows`: `enterprise` is required; level, field, category, status, product_name,
    model_spec, certificate_number, valid_until, year, revoked_at, revocation_document may be given."""
    today = timezone.localdate()
    the_notice = notice(batch, user)
    built = []
    for position, row in enumerate(rows, start=1):
        row = dict(row)
        org = row.pop("enterprise")
        level = row.pop("level", Level.DOMESTIC)
        field = row.pop("field", "robotics")
        category = row.pop("category", Category.EQUIPMENT)
        app = passed_application(batch, org, field=field, declared_level=level, category=category)
        item = NoticeItem.objects.create(notice=the_notice, application=app, level=level,
                                         state=NoticeItem.State.RECOGNISED, position=position)
        n = next(_seq)
        year = row.pop("year", batch.year)
        fields = {
            "application": app, "notice_item": item, "batch": batch, "year": year, "enterprise": org,
            "enterprise_name": org.name, "enterprise_uscc": org.uscc, "city": org.region.parent, "region": org.region,
            "product_name": app.product_name, "model_spec": app.model_spec, "category": category,
            "equipment_form": "complete" if category == Category.EQUIPMENT else "", "field": field, "level": level,
            "decision_number": f"浙经信装备〔{year}〕{n}号", "decision_date": today - dt.timedelta(days=60),
            "valid_from": today - dt.timedelta(days=60), "valid_until": today + dt.timedelta(days=3 * 365),
            "sequence": n, "certificate_number": f"浙首台〔{year}〕{LEVEL_MARK[level]}{n:04d}号",
            "status": Recognition.Status.VALID, "recognised_by": user,
        }
        fields.update(row)
        if fields["valid_from"] >= fields["valid_until"]:
            fields["valid_from"] = fields["valid_until"] - dt.timedelta(days=3 * 365)
        built.append(Recognition(**fields))
    return Recognition.objects.bulk_create(built)


def revoked(**row):
    """A row for recognitions(): revoked, with its document."""
    return {"status": Recognition.Status.REVOKED, "revoked_at": timezone.now() - dt.timedelta(days=1),
            "revocation_reason": "提供虚假材料", "revocation_document": "浙经信装备〔2026〕99号", **row}


def expired(**row):
    """A row for recognitions(): expired yesterday and marked so."""
    return {"status": Recognition.Status.EXPIRED, "valid_until": timezone.localdate() - dt.timedelta(days=1), **row}
