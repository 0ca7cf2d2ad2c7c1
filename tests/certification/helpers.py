"""Small builders shared by the certification tests (plain functions, not fixtures; each self-contained)."""

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Region
from certification.catalogue import default_attachment_requirements

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def open_batch(province_user, *, requirements=None, quota=5, **overrides):
    """A published batch accepting every category, open now, with a quota for every city."""
    from certification.services.batches import create_batch, publish_batch

    now = timezone.now()
    fields = {
        "year": now.year, "name": f"{now.year}年度首台（套）认定第一批",
        "opens_at": now - dt.timedelta(days=1), "closes_at": now + dt.timedelta(days=30),
        "recommend_deadline": now + dt.timedelta(days=60),
        "attachment_requirements": requirements or default_attachment_requirements(),
    }
    fields.update(overrides)
    quotas = {pk: quota for pk in Region.objects.filter(level=Region.Level.CITY).values_list("pk", flat=True)}
    batch = create_batch(actor=province_user, quotas=quotas, **fields)
    return publish_batch(actor=province_user, batch_id=batch.pk)


def application_fields(**overrides):
    """A complete set of application data fields (category equipment)."""
    fields = {
        "product_name": "高精度五轴联动数控机床", "model_spec": "HZ-5X-800", "category": "equipment",
        "equipment_form": "complete", "declared_level": "domestic", "field": "robotics",
        "innovation_points": "五轴联动精度达到国际先进水平。",
        "indicators": [{"indicator": "定位精度", "our_value": "0.004 mm", "domestic_best": "0.006 mm",
                        "foreign_best": "0.004 mm", "source": "省计量院检测报告"}],
        "ip_items": [{"kind": "发明专利", "number": "ZL202310000001.1", "title": "一种五轴联动控制方法"}],
        "first_sale_contract": "HT-2026-001", "first_sale_date": dt.date(2026, 3, 1),
        "first_sale_price": "1280000.00", "first_sale_buyer": "浙江某汽车零部件有限公司",
    }
    fields.update(overrides)
    return fields


def draft(user, enterprise, batch, **overrides):
    """A complete draft (commitment confirmed, no attachments yet)."""
    from certification.services.applications import create_application

    return create_application(actor=user, batch_id=batch.pk, enterprise_id=enterprise.pk, commitment=True,
                              **application_fields(**overrides))


def pdf(name="文件.pdf", content=PDF_BYTES):
    return ContentFile(content, name=name)


def attach_required(user, application, content=PDF_BYTES):
    """Upload one small PDF for every attachment type the batch requires of the application's category."""
    from certification.services.attachments import upload_attachment

    rules = application.batch.attachment_requirements[application.category]
    return [
        upload_attachment(actor=user, application_id=application.pk, type=type,
                          uploaded_file=ContentFile(content + type.encode(), name=f"{type}.pdf"))
        for type, rule in rules.items() if rule.get("required")
    ]


def submitted(user, enterprise, batch, **overrides):
    """A draft with every required attachment, submitted (to the county or city bureau)."""
    from certification.services.applications import submit

    app = draft(user, enterprise, batch, **overrides)
    attach_required(user, app)
    return submit(actor=user, application_id=app.pk)


# --- workflow builders (API, matrix and service tests); self-contained: attachments as rows, no files ---------

def wf_batch(province_user, *, quota=5, **overrides):
    """A published batch, open now, every category, the default attachment rules, `quota` for every city."""
    from certification.services.batches import create_batch, publish_batch

    now = timezone.now()
    fields = {
        "year": 2026, "name": "2026年度首台（套）认定（测试批次）",
        "opens_at": now - dt.timedelta(days=1), "closes_at": now + dt.timedelta(days=30),
        "recommend_deadline": now + dt.timedelta(days=60),
    }
    fields.update(overrides)
    quotas = {pk: quota for pk in Region.objects.filter(level=Region.Level.CITY).values_list("pk", flat=True)}
    batch = create_batch(actor=province_user, quotas=quotas, **fields)
    return publish_batch(actor=province_user, batch_id=batch.pk)


_wf_seq = iter(range(1, 10**9))


def wf_attach_rows(application, user):
    """One Attachment row (no file) for each type the batch requires of the application's category."""
    import hashlib

    from certification.models import Attachment

    rules = application.batch.attachment_requirements[application.category]
    rows = []
    for type, rule in rules.items():
        if rule.get("required"):
            n = next(_wf_seq)
            rows.append(Attachment(application=application, type=type, name=f"{type}.pdf",
                                   path=f"test/{application.pk}/{n}.pdf", content_type="application/pdf", size=100,
                                   sha256=hashlib.sha256(f"{type}{n}".encode()).hexdigest(), uploaded_by=user))
    Attachment.objects.bulk_create(rows)


def wf_draft(user, enterprise, batch, *, attachments=True, **overrides):
    """A complete draft (commitment confirmed; required attachments as rows unless attachments=False)."""
    from certification.services.applications import create_application

    fields = application_fields(**overrides)
    app = create_application(actor=user, batch_id=batch.pk, enterprise_id=enterprise.pk, commitment=True, **fields)
    if attachments:
        wf_attach_rows(app, user)
    return app


def wf_submitted(user, enterprise, batch, **overrides):
    from certification.services.applications import submit

    app = wf_draft(user, enterprise, batch, **overrides)
    return submit(actor=user, application_id=app.pk)


# How to reach each state from a draft of an enterprise in a region with a county bureau (滨江):
# a list of (who, service call) steps; `who` names an attribute of the `world` fixture.
WF_PATHS = {
    "draft": [],
    "county_review": [("ent_hz_user", "submit")],
    "city_review": [("ent_hz_user", "submit"), ("binjiang_user", "county_recommend")],
    "formal_review": [("ent_hz_user", "submit"), ("binjiang_user", "county_recommend"), ("hz_user", "city_recommend")],
    "returned": [("ent_hz_user", "submit"), ("binjiang_user", "county_return")],
    "passed": [("ent_hz_user", "submit"), ("binjiang_user", "county_recommend"), ("hz_user", "city_recommend"),
               ("province_user", "formal_pass")],
    "declined": [("ent_hz_user", "submit"), ("binjiang_user", "county_decline")],
    "rejected": [("ent_hz_user", "submit"), ("binjiang_user", "county_recommend"), ("hz_user", "city_recommend"),
                 ("province_user", "formal_reject")],
    "withdrawn": [("ent_hz_user", "withdraw")],
}
# The expert-review states are reached through the review services (tests/review); here an application that
# passed formal review is moved there directly, to check that no intake action applies to it.
LATER_STATES = {"expert_review", "proposed", "not_proposed", "recognised", "not_recognised"}


def wf_take(user, application_id, action, *, opinion="意见：测试", items=("补充检测报告",)):
    """Call the service behind a workflow action code, with a reason and items so any action can pass."""
    from certification.services import applications as s

    if action == "submit":
        return s.submit(actor=user, application_id=application_id)
    if action == "resubmit":
        return s.resubmit(actor=user, application_id=application_id)
    if action == "withdraw":
        return s.withdraw(actor=user, application_id=application_id, reason=opinion)
    return s.decide(actor=user, application_id=application_id, action=action, opinion=opinion, items=list(items))


def wf_in_state(world, batch, state, **overrides):
    """An application of world.ent_hz (滨江, with a county bureau) brought to `state` through the services."""
    from certification.models import Application

    app = wf_draft(world.ent_hz_user, world.ent_hz, batch, **overrides)
    for who, action in WF_PATHS["passed" if state in LATER_STATES else state]:
        app = wf_take(getattr(world, who), app.pk, action)
    if state in LATER_STATES:
        Application.objects.filter(pk=app.pk).update(state=state)
        app = Application.objects.get(pk=app.pk)
    assert app.state == state
    return app
