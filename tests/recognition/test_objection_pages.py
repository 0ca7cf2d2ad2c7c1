"""Objection pages: the public form (anonymous, rate-limited, evidence checked), the receipt, the status lookup,
and staff's list, detail, actions and evidence download."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from certification.models import Application
from recognition.models import Objection

from .builders import end_period, objection, published_notice

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def form_data(item, **overrides):
    data = {"item": item.pk, "name": "李四", "organisation": "某某公司", "phone": "13812345678",
            "email": "lisi@example.com", "content": "该产品此前已有同类产品销售。"}
    data.update(overrides)
    return data


def test_anonymous_files_an_objection_with_evidence_and_gets_a_receipt(world, client):
    notice, _apps = published_notice(world, 1)
    item = notice.items.get()
    page = client.get(f"/notices/{notice.pk}/objection/?item={item.pk}")
    assert page.status_code == 200 and "提交异议" in page.content.decode()
    response = client.post(f"/notices/{notice.pk}/objection/",
                           form_data(item, evidence=SimpleUploadedFile("照片.png", PNG, "image/png")))
    o = Objection.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/objections/receipt/{o.tracking_number}/"
    assert o.evidence_name == "照片.png" and o.submitted_ip == "127.0.0.1"
    receipt = client.get(response["Location"]).content.decode()
    assert o.tracking_number in receipt
    # Another browser cannot open the receipt.
    client.cookies.clear()
    assert client.get(response["Location"]).status_code == 404


def test_bad_evidence_file_refused_on_the_form(world, client):
    notice, _apps = published_notice(world, 1)
    item = notice.items.get()
    response = client.post(f"/notices/{notice.pk}/objection/",
                           form_data(item, evidence=SimpleUploadedFile("x.pdf", b"GIF89a not allowed")))
    assert response.status_code == 400
    assert "PDF、JPG 或 PNG" in response.content.decode()
    assert not Objection.objects.exists()


def test_form_errors_name_the_field(world, client):
    notice, _apps = published_notice(world, 1)
    response = client.post(f"/notices/{notice.pk}/objection/", form_data(notice.items.get(), phone="12345"))
    assert response.status_code == 400 and "联系电话：" in response.content.decode()
    assert not Objection.objects.exists()


def test_rate_limit_answers_429_after_five_per_hour(world, client):
    notice, _apps = published_notice(world, 1)
    item = notice.items.get()
    for _i in range(5):
        assert client.post(f"/notices/{notice.pk}/objection/", form_data(item)).status_code == 302
    response = client.post(f"/notices/{notice.pk}/objection/", form_data(item))
    assert response.status_code == 429
    assert "提交的异议过多" in response.content.decode()
    assert Objection.objects.count() == 5
    # Another address is not affected.
    assert client.post(f"/notices/{notice.pk}/objection/", form_data(item),
                       REMOTE_ADDR="10.1.2.3").status_code == 302


def test_form_refused_after_the_end(world, client):
    notice, _apps = published_notice(world, 1)
    end_period(notice)
    assert client.get(f"/notices/{notice.pk}/objection/").status_code == 410
    assert client.post(f"/notices/{notice.pk}/objection/", form_data(notice.items.get())).status_code == 410
    assert not Objection.objects.exists()


def test_status_lookup_needs_number_and_phone(world, client):
    notice, _apps = published_notice(world, 1)
    mine = objection(notice.items.get(), phone="13812345678")
    other = objection(notice.items.get(), phone="13700000000", content="另一件异议的内容ZZZ")
    from recognition.services import objections

    objections.dismiss(actor=world.province_user, objection_id=mine.pk, reply="经核实异议不成立XYZ")
    assert client.get("/objections/status/").status_code == 200
    wrong = client.post("/objections/status/", {"tracking_number": mine.tracking_number, "phone": "13700000000"})
    assert wrong.status_code == 404 and "未找到" in wrong.content.decode()
    assert "经核实异议不成立XYZ" not in wrong.content.decode()
    ok = client.post("/objections/status/", {"tracking_number": mine.tracking_number.lower(),
                                             "phone": "138 1234 5678"})
    page = ok.content.decode()
    assert ok.status_code == 200 and "异议不成立" in page and "经核实异议不成立XYZ" in page
    assert other.tracking_number not in page and "另一件异议的内容ZZZ" not in page


def test_staff_handle_an_objection_through_the_pages(world, client, django_capture_on_commit_callbacks):
    notice, apps = published_notice(world, 1)
    o = objection(notice.items.get(), evidence=SimpleUploadedFile("证据.pdf", PDF))
    client.force_login(world.province_user)
    listing = client.get("/notices/manage/objections/", {"state": "received", "q": apps[0].product_name})
    assert o.tracking_number in listing.content.decode()
    assert o.tracking_number not in client.get("/notices/manage/objections/", {"state": "dismissed"}).content.decode()
    detail = client.get(f"/notices/manage/objections/{o.pk}/").content.decode()
    assert "证据.pdf" in detail and "开始调查核实" in detail
    download = client.get(f"/notices/manage/objections/{o.pk}/evidence/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="objection.evidence_downloaded").count() == 1
    client.post(f"/notices/manage/objections/{o.pk}/investigate/")
    assert Objection.objects.get(pk=o.pk).state == "investigating"
    bad = client.post(f"/notices/manage/objections/{o.pk}/resolve/", {"decision": "uphold", "action": "remove",
                                                                      "reply": ""})
    assert bad.status_code == 400 and Objection.objects.get(pk=o.pk).state == "investigating"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/notices/manage/objections/{o.pk}/resolve/", {"decision": "uphold", "action": "remove",
                                                                    "reply": "经核实异议成立。"})
    assert Objection.objects.get(pk=o.pk).state == "upheld"
    assert Application.objects.get(pk=apps[0].pk).state == "not_recognised"
    assert len(mail.outbox) == 1


def test_staff_only_objection_pages(world, client):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get(), evidence=SimpleUploadedFile("e.pdf", PDF))
    client.force_login(world.hz_user)
    for url in (f"/notices/manage/objections/{o.pk}/", f"/notices/manage/objections/{o.pk}/evidence/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/notices/manage/objections/{o.pk}/resolve/",
                       {"decision": "dismiss", "reply": "x"}).status_code == 404
    assert Objection.objects.get(pk=o.pk).state == "received"
    assert not AuditEvent.objects.filter(action="objection.evidence_downloaded").exists()


def test_mistakes_in_the_form_do_not_use_up_the_objection_limit(world, client):
    notice, _apps = published_notice(world, 1)
    item = notice.items.get()
    url = f"/notices/{notice.pk}/objection/"
    for _i in range(6):  # six attempts with a wrong phone number: each refused, none counted as filed
        assert client.post(url, form_data(item, phone="12345")).status_code == 400
    for _i in range(5):
        assert client.post(url, form_data(item)).status_code == 302
    assert client.post(url, form_data(item)).status_code == 429
    assert Objection.objects.count() == 5


def test_attempts_have_their_own_looser_limit(world, client, settings):
    settings.RATE_LIMITS = {"objection_attempt": (3, 3600)}
    notice, _apps = published_notice(world, 1)
    item = notice.items.get()
    url = f"/notices/{notice.pk}/objection/"
    for _i in range(3):
        assert client.post(url, form_data(item, phone="12345")).status_code == 400
    assert client.post(url, form_data(item)).status_code == 429
    assert not Objection.objects.exists()
