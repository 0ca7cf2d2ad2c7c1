"""Builders for the recognition, certificate and verification tests: a closed notice whose items are proposed
applications (written straight in their states; notices and objections have their own tests)."""

import datetime as dt
import io

from django.utils import timezone

from certification.models import Application
from recognition.models import Notice, NoticeItem, Objection
from tests.review.builders import closed_batch, passed_application

DECISION = "浙经信装备〔2026〕12号"


def proposed_application(batch, enterprise, **overrides):
    app = passed_application(batch, enterprise, **overrides)
    Application.objects.filter(pk=app.pk).update(state="proposed")
    return Application.objects.get(pk=app.pk)


EARLY_END = dt.datetime(2026, 3, 10, 17, 0, tzinfo=dt.UTC)  # before the fixed decision dates of some tests


def notice(world, batch, *, state=Notice.State.CLOSED, ends_at=None):
    end = ends_at or timezone.now() - dt.timedelta(days=2)
    n = Notice.objects.create(batch=batch, title=f"{batch.name}拟认定名单公示", contact="省经信厅装备处 0571-00000000",
                              starts_at=end - dt.timedelta(days=7), ends_at=end, created_by=world.province_user)
    Notice.objects.filter(pk=n.pk).update(state=state)
    return Notice.objects.get(pk=n.pk)


def closed_notice(world, *, levels=("domestic", "domestic", "provincial"), year=2026, batch=None, enterprise=None,
                  state=Notice.State.CLOSED, ends_at=None):
    """A notice (closed by default) with one listed item per level, each an application of ent_hz in 'proposed'."""
    batch = batch or closed_batch(world.province_user, year=year, name=f"{year}年度首台（套）认定第{next_batch()}批")
    the_notice = notice(world, batch, state=state, ends_at=ends_at)
    items = []
    for position, level in enumerate(levels, start=1):
        app = proposed_application(batch, enterprise or world.ent_hz, declared_level=level)
        items.append(NoticeItem.objects.create(notice=the_notice, application=app, level=level, position=position))
    return the_notice, items


_batches = iter(range(1, 10_000))


def next_batch():
    return next(_batches)


def objection(item, state=Objection.State.RECEIVED):
    o = Objection.objects.create(item=item, tracking_number=f"YY{item.pk:08d}{state[:2]}", name="张三",
                                 phone="13800000000", content="该产品并非首台。")
    Objection.objects.filter(pk=o.pk).update(state=state)
    return o


def recognise(world, the_notice, items, *, decision_date=None, number=DECISION):
    from recognition.services.recognitions import recognise as service

    return service(actor=world.province_user, notice_id=the_notice.pk, item_ids=[i.pk for i in items],
                   decision_number=number, decision_date=decision_date or timezone.localdate())


def pdf_text(data):
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def qr_payloads(data):
    """Decode every QR code among the PDF's images (pypdf extracts them, zxing-cpp decodes)."""
    import zxingcpp
    from pypdf import PdfReader

    payloads = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            for code in zxingcpp.read_barcodes(image.image.convert("L")):
                payloads.append(code.text)
    return payloads
