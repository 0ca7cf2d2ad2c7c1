"""The notice and objection API: staff endpoints × roles, bad input → 400 with nothing written, the public
endpoints (anonymous, throttled), and constant queries on the lists."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from recognition.models import Notice, Objection

from .builders import end_period, objection, proposed_batch, published_notice

pytestmark = pytest.mark.django_db
API = "/api/v1"
JSON = "application/json"


def post(client, url, data=None):
    return client.post(url, data or {}, content_type=JSON)


def test_staff_create_patch_publish_close(world, client):
    batch, apps = proposed_batch(world, 2)
    client.force_login(world.province_user)
    start = (timezone.now() + dt.timedelta(minutes=5)).isoformat()
    bad = post(client, f"{API}/notices/", {"batch": batch.pk, "title": "t", "contact": "", "starts_at": start})
    assert bad.status_code == 400 and "contact" in bad.json()["error"]["fields"]
    assert not Notice.objects.exists()
    response = post(client, f"{API}/notices/", {"batch": batch.pk, "title": "公示", "contact": "电话",
                                                "starts_at": start, "working_days": 7})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["item_count"] == 2 and body["actions"] == ["edit", "publish"]
    pk = body["id"]
    patched = client.patch(f"{API}/notices/{pk}/", {"title": "新标题"}, content_type=JSON)
    assert patched.status_code == 200 and patched.json()["title"] == "新标题"
    assert post(client, f"{API}/notices/{pk}/publish/").json()["state"] == "published"
    refused = post(client, f"{API}/notices/{pk}/close/")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid"
    end_period(Notice.objects.get(pk=pk))
    assert post(client, f"{API}/notices/{pk}/close/").json()["state"] == "closed"
    items = client.get(f"{API}/notices/{pk}/items/").json()
    assert [i["ready_for_recognition"] for i in items] == [True, True]
    pdf = client.get(f"{API}/notices/{pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("who", ["hz_user", "ent_hz_user", "finance_user", "expert_user"])
def test_staff_endpoints_refuse_others(world, client, who):
    notice, _apps = published_notice(world, 1)
    o = objection(notice.items.get())
    client.force_login(getattr(world, who))
    assert client.get(f"{API}/notices/").status_code == 403
    assert client.get(f"{API}/objections/").status_code == 403
    assert client.get(f"{API}/notices/{notice.pk}/").status_code == 404
    assert client.get(f"{API}/objections/{o.pk}/").status_code == 404
    assert post(client, f"{API}/objections/{o.pk}/dismiss/", {"reply": "x"}).status_code == 404
    assert Objection.objects.get(pk=o.pk).state == "received"


def test_anonymous_staff_endpoints_401(world, client):
    assert client.get(f"{API}/notices/").status_code == 401


def test_objection_actions(world, client):
    notice, apps = published_notice(world, 2)
    a, b = (notice.items.get(application=app) for app in apps)
    oa, ob = objection(a), objection(b)
    client.force_login(world.province_user)
    listing = client.get(f"{API}/objections/", {"notice": notice.pk, "state": "received"}).json()
    assert {r["tracking_number"] for r in listing["results"]} == {oa.tracking_number, ob.tracking_number}
    assert client.get(f"{API}/objections/", {"q": oa.tracking_number}).json()["count"] == 1
    assert post(client, f"{API}/objections/{oa.pk}/investigate/").json()["state"] == "investigating"
    bad = post(client, f"{API}/objections/{oa.pk}/uphold/", {"action": "change_level", "reply": "理由"})
    assert bad.status_code == 400 and "new_level" in bad.json()["error"]["fields"]
    up = post(client, f"{API}/objections/{oa.pk}/uphold/", {"action": "change_level", "new_level": "provincial",
                                                          "reply": "调整为省内首台（套）。"})
    assert up.status_code == 200 and up.json()["state"] == "upheld"
    a.refresh_from_db()
    assert a.level == "provincial"
    missing = post(client, f"{API}/objections/{ob.pk}/dismiss/", {})
    assert missing.status_code == 400 and "reply" in missing.json()["error"]["fields"]
    assert post(client, f"{API}/objections/{ob.pk}/dismiss/", {"reply": "不成立。"}).json()["state"] == "dismissed"


def test_public_notices_anonymous(world, client):
    notice, apps = published_notice(world, 2)
    batch, _x = proposed_batch(world, 1)
    from .builders import draft_notice

    draft = draft_notice(world, batch)
    listing = client.get(f"{API}/public/notices/").json()
    assert [n["id"] for n in listing["results"]] == [notice.pk]
    assert listing["results"][0]["accepting_objections"] is True
    detail = client.get(f"{API}/public/notices/{notice.pk}/").json()
    assert {i["product_name"] for i in detail["items"]} == {a.product_name for a in apps}
    assert set(detail["items"][0]) == {"id", "position", "enterprise_name", "product_name", "model_spec", "level",
                                       "level_label", "state", "state_label"}  # no staff counts or ids
    assert client.get(f"{API}/public/notices/{draft.pk}/").status_code == 404


def test_public_objection_multipart_throttled_and_status(world, client):
    notice, _apps = published_notice(world, 1)
    item = notice.items.get()
    data = {"item": item.pk, "name": "王五", "phone": "0571-88886666", "content": "异议内容。",
            "evidence": SimpleUploadedFile("e.pdf", b"%PDF-1.4\n%%EOF")}
    created = client.post(f"{API}/public/objections/", data)
    assert created.status_code == 201, created.content
    number = created.json()["tracking_number"]
    assert Objection.objects.get(tracking_number=number).evidence_size == 14
    bad = client.post(f"{API}/public/objections/", {**data, "evidence": SimpleUploadedFile("e.pdf", b"nope")})
    assert bad.status_code == 400 and "evidence" in bad.json()["error"]["fields"]
    status = post(client, f"{API}/public/objections/status/", {"tracking_number": number, "phone": "057188886666"})
    assert status.status_code == 200 and status.json()["state"] == "received" and status.json()["reply"] == ""
    assert post(client, f"{API}/public/objections/status/",
                {"tracking_number": number, "phone": "13912345678"}).status_code == 404
    # Five filed objections use up the limit (the refused bad file did not count).
    for _i in range(4):
        assert client.post(f"{API}/public/objections/", {**data, "evidence": ""}).status_code == 201
    throttled = client.post(f"{API}/public/objections/", {**data, "evidence": ""})
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "throttled"
    assert Objection.objects.count() == 5


def test_public_objection_refused_after_the_end(world, client):
    notice, _apps = published_notice(world, 1)
    end_period(notice)
    response = post(client, f"{API}/public/objections/", {"item": notice.items.get().pk, "name": "王五",
                                                         "phone": "13912345678", "content": "x"})
    assert response.status_code == 400 and "item" in response.json()["error"]["fields"]
    assert not Objection.objects.exists()


@pytest.mark.parametrize("url", ["/notices/", "/objections/"])
def test_staff_lists_constant_queries(world, client, django_assert_max_num_queries, url):
    client.force_login(world.province_user)

    def make(n):
        notice, _apps = published_notice(world, n)
        for item in notice.items.all():
            objection(item)

    make(1)
    with django_assert_max_num_queries(12) as small:
        assert client.get(API + url).status_code == 200
    make(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(API + url).status_code == 200
