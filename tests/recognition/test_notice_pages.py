"""Notice pages: the public ones without login, the staff ones for province industry staff only, and the PDF."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from recognition.models import Notice

from .builders import draft_notice, end_period, objection, proposed_batch, published_notice

pytestmark = pytest.mark.django_db


def pdf_text(content):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_public_list_and_detail_without_login(world, client):
    notice, apps = published_notice(world, 2)
    batch, _other = proposed_batch(world, 1)
    draft = draft_notice(world, batch, title="尚未发布的草稿公示")
    response = client.get("/notices/")
    assert response.status_code == 200
    assert notice.title in response.content.decode() and draft.title not in response.content.decode()
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    for app in apps:
        assert app.product_name in page and app.model_spec in page and app.enterprise.name in page
    assert "国内首台（套）" in page and "提出异议" in page and "0571-87050000" in page
    assert client.get(f"/notices/{draft.pk}/").status_code == 404


def test_public_detail_after_the_end_offers_no_objection_link(world, client):
    notice, _apps = published_notice(world, 1)
    end_period(notice)
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "提出异议" not in page and "公示期已结束" in page


def test_notice_pdf_lists_the_items(world, client):
    notice, apps = published_notice(world, 2)
    response = client.get(f"/notices/{notice.pk}/notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for app in apps:
        assert app.product_name in text and app.model_spec in text
    assert world.ent_hz.name in text and "国内首台（套）" in text and "省内首台（套）" in text
    assert "异议" in text and "0571-87050000" in text
    assert timezone.localtime(notice.ends_at).strftime("%Y年%-m月%-d日") in text


def test_staff_pages_hidden_from_others(world, client):
    batch, _apps = proposed_batch(world, 1)
    notice = draft_notice(world, batch)
    urls = ["/notices/manage/", f"/notices/manage/{notice.pk}/", f"/notices/manage/new/{batch.pk}/",
            f"/notices/manage/{notice.pk}/notice.pdf", "/notices/manage/objections/"]
    for user in (world.hz_user, world.ent_hz_user, world.finance_user):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the login page


def test_staff_create_publish_and_close_through_the_pages(world, client):
    batch, apps = proposed_batch(world, 2)
    client.force_login(world.province_user)
    assert batch.name in client.get("/notices/manage/").content.decode()
    form = client.get(f"/notices/manage/new/{batch.pk}/")
    assert form.status_code == 200 and apps[0].product_name in form.content.decode()
    start = timezone.localtime() + dt.timedelta(minutes=1)
    bad = client.post(f"/notices/manage/new/{batch.pk}/", {"title": "", "contact": "电话", "working_days": 5,
                                                           "starts_at": start.strftime("%Y-%m-%dT%H:%M")})
    assert bad.status_code == 400 and not Notice.objects.exists()
    response = client.post(f"/notices/manage/new/{batch.pk}/", {
        "title": "2026年度拟认定名单公示", "body": "", "contact": "电话：0571-87050000", "working_days": 5,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M")})
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/notices/manage/{notice.pk}/"
    detail = client.get(f"/notices/manage/{notice.pk}/").content.decode()
    assert "发布公示" in detail and apps[1].product_name in detail
    client.post(f"/notices/manage/{notice.pk}/publish/")
    assert Notice.objects.get(pk=notice.pk).state == "published"
    client.post(f"/notices/manage/{notice.pk}/close/")  # refused: the period runs
    assert Notice.objects.get(pk=notice.pk).state == "published"
    end_period(notice)
    client.post(f"/notices/manage/{notice.pk}/close/")
    assert Notice.objects.get(pk=notice.pk).state == "closed"


def test_staff_page_warns_when_the_calendar_does_not_know_the_year(world, client):
    batch, _apps = proposed_batch(world, 1)
    notice = draft_notice(world, batch, starts_at=dt.datetime(2026, 12, 28, 9, tzinfo=dt.UTC))
    client.force_login(world.province_user)
    page = client.get(f"/notices/manage/{notice.pk}/").content.decode()
    assert "2027年法定节假日安排尚未收录，按周一至周五计算，请核对" in page
    notice2, _x = published_notice(world, 1)
    assert "尚未收录" not in client.get(f"/notices/manage/{notice2.pk}/").content.decode()


def test_staff_notice_page_counts_objections_per_item(world, client):
    notice, apps = published_notice(world, 2)
    item = notice.items.get(application=apps[0])
    objection(item)
    objection(item)
    client.force_login(world.province_user)
    page = client.get(f"/notices/manage/{notice.pk}/").content.decode()
    assert ">2/2<" in page
