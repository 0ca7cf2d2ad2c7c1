"""Builders for the 政府首购 tests: a buyer organisation and its users, a recognition of an enterprise's product
(valid, expired or revoked, with chosen dates), and a purchase driven through the services to the state asked for.

    org = buyer_org()
    user = buyer_user(org)
    rec = recognition_for(world.ent_hz)
    p = purchase(user, rec, state="pending_award")
"""

import datetime as dt
import itertools
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Membership, Organisation, User
from recognition.models import NoticeItem, Recognition
from tests import factories as f
from tests.certification.helpers import PDF_BYTES
from tests.recognition.recognition_builders import DECISION, notice, proposed_application, recognise
from tests.review.builders import closed_batch

_seq = itertools.count(1)

REVOCATION_DOCUMENT = "浙经信装备〔2026〕30号"
EXPERTS = [
    {"name": "王建国", "employer": "浙江大学医学院附属第一医院", "title": "主任医师"},
    {"name": "李红", "employer": "浙江省医疗器械检验研究院", "title": "正高级工程师"},
    {"name": "陈明", "employer": "浙江工业大学", "title": "教授"},
]
NOTICE_FIELDS = {
    "reason": "该设备为首台（套）认定产品，仅此一家供应商能够提供。",
    "justification": "经专家论证，该产品技术指标满足采购需求，具有唯一性。",
    "contact": "浙江省人民医院设备处 张老师 0571-85890000",
}


def buyer_org(name="浙江省人民医院", uscc=None, region=None):
    """An approved buyer organisation (采购人), by default in 杭州市."""
    f.ensure_regions()
    return f.OrganisationFactory(
        kind=Organisation.Kind.BUYER,
        name=name,
        uscc=uscc or f.make_uscc(),
        region=region or f.region("3301"),
        status=Organisation.Status.APPROVED,
    )


def buyer_user(org, username="buyer1", is_admin=False):
    """An active user with a BUYER membership of org."""
    user = f.UserFactory(username=username)
    Membership.objects.create(user=user, organisation=org, role=Membership.Role.BUYER, is_admin=is_admin)
    return user


def _province_user():
    user = User.objects.filter(memberships__role=Membership.Role.PROVINCE_STAFF, is_active=True).order_by("pk").first()
    if user is None:
        f.ensure_regions()
        province = f.bureau("province", "33", name="浙江省经济和信息化厅")
        user = f.member(province, username=f"prov_builder{next(_seq)}")
    return user


def recognition_for(
    enterprise,
    *,
    level="domestic",
    field="medical",
    status="valid",
    valid_from=None,
    valid_until=None,
    revoked_on=None,
    revocation_document=REVOCATION_DOCUMENT,
):
    """A Recognition of one of enterprise's products, recognised through the service, then given the dates and
    status asked for (default: valid from 60 days ago for three years). A revoked one carries the revocation
    document and date (revoked_on, default today)."""
    from recognition.services.recognitions import valid_until_for

    province_user = _province_user()
    world = type("W", (), {"province_user": province_user})()
    n = next(_seq)
    batch = closed_batch(province_user, name=f"首购测试批次{n}")
    the_notice = notice(world, batch)
    app = proposed_application(batch, enterprise, field=field, declared_level=level)
    item = NoticeItem.objects.create(notice=the_notice, application=app, level=level, position=1)
    (rec,) = recognise(world, the_notice, [item], number=DECISION)
    valid_from = valid_from or timezone.localdate() - dt.timedelta(days=60)
    valid_until = valid_until or valid_until_for(valid_from)
    updates = {"valid_from": valid_from, "valid_until": valid_until, "decision_date": valid_from, "status": status}
    if status == Recognition.Status.REVOKED:
        day = revoked_on or timezone.localdate()
        updates.update(
            revoked_at=dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=dt.UTC),
            revocation_reason="产品不再符合首台（套）认定条件。",
            revocation_document=revocation_document,
        )
    Recognition.objects.filter(pk=rec.pk).update(**updates)
    return Recognition.objects.get(pk=rec.pk)


def purchase_fields(recognition, **kw):
    fields = {
        "recognition_id": recognition.pk,
        "title": f"{recognition.product_name}采购项目",
        "quantity": 1,
        "unit": "台",
        "description": "采购首台（套）产品一台。",
    }
    fields.update(kw)
    return fields


def notice_fields(**kw):
    fields = dict(NOTICE_FIELDS, experts=[dict(e) for e in EXPERTS])
    fields.update(kw)
    return fields


def end_notice(purchase_obj, *, ended_days_ago=1):
    """Move a published notice into the past (it ran its 5 working days) without closing it."""
    from procurement.models import SingleSourceNotice

    end = timezone.now() - dt.timedelta(days=ended_days_ago)
    SingleSourceNotice.objects.filter(purchase_id=purchase_obj.pk).update(
        starts_at=end - dt.timedelta(days=9), ends_at=end, published_at=end - dt.timedelta(days=9)
    )


def purchase(buyer_user, recognition, *, method="single_source", budget=Decimal("5000000"), state="draft", **kw):
    """A Purchase created through the services and driven to `state`: draft, notice (published now), pending_award
    (notice moved into the past and closed by close_due_notices), awarded (today, amount = budget), contracted
    (contract signed today), completed (delivered and accepted today) or cancelled."""
    from procurement.models import Purchase
    from procurement.services import awards, notices, purchases
    from procurement.workflow import needs_notice

    S = Purchase.State
    p = purchases.create_purchase(actor=buyer_user, method=method, budget=budget, **purchase_fields(recognition, **kw))
    if state == S.DRAFT:
        return p
    if state == S.CANCELLED:
        return purchases.cancel_purchase(actor=buyer_user, purchase_id=p.pk, reason="采购需求取消。")
    via_notice = needs_notice(p) or state in (S.NOTICE, S.PENDING_AWARD)
    if via_notice:
        notices.save_notice(actor=buyer_user, purchase_id=p.pk, **notice_fields())
        notices.publish_notice(actor=buyer_user, purchase_id=p.pk)
        if state == S.NOTICE:
            return Purchase.objects.get(pk=p.pk)
        end_notice(p)
        notices.close_due_notices()
        if state == S.PENDING_AWARD:
            return Purchase.objects.get(pk=p.pk)
    today = timezone.localdate()
    awards.record_award(actor=buyer_user, purchase_id=p.pk, awarded_on=today, amount=budget)
    if state == S.AWARDED:
        return Purchase.objects.get(pk=p.pk)
    completed = state == S.COMPLETED
    awards.record_contract(
        actor=buyer_user,
        purchase_id=p.pk,
        number=f"HT-{p.number}",
        amount=budget,
        signed_on=today,
        delivered_on=today if completed else None,
        accepted_on=today if completed else None,
    )
    return Purchase.objects.get(pk=p.pk)


def objection(purchase_obj, *, name="张三", phone="13812345678", content="该产品并非唯一供应来源。", email="", **kw):
    """A public objection to a purchase whose notice runs, through the service."""
    from procurement.services.objections import submit_objection

    return submit_objection(purchase_id=purchase_obj.pk, name=name, phone=phone, content=content, email=email, **kw)


def pdf(name="合同.pdf", content=PDF_BYTES):
    return ContentFile(content, name=name)


@contextmanager
def clock(moment):
    """Every timezone.now() (and localdate) in the block answers `moment` (aware)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


def errors_of(call):
    """The message_dict of the ValidationError that call() raises (fails the test when it raises none)."""
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict
