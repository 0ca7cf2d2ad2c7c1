"""The purchases API (/api/v1/procurement/purchases/): the buyer's whole journey, the detail's parts, errors that
name the field and write nothing, filters, the documents, and a list whose queries do not grow with its length."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from procurement.models import Contract, Purchase, PurchaseDocument, SingleSourceNotice
from tests.certification.helpers import PDF_BYTES
from tests.procurement import builders as b

API = "/api/v1/procurement/purchases/"
PUBLIC = "/api/v1/procurement/public/purchases/"
JSON = "application/json"

pytestmark = pytest.mark.django_db


@pytest.fixture
def env(world):
    world.org_a = b.buyer_org()
    world.buyer_a = b.buyer_user(world.org_a, username="buyer_a")
    world.org_b = b.buyer_org(name="宁波市第一医院", region=None)
    world.buyer_b = b.buyer_user(world.org_b, username="buyer_b")
    world.rec = b.recognition_for(world.ent_hz)
    return world


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type=JSON)


def _fields(response):
    return response.json()["error"]["fields"]


def test_the_whole_journey_through_the_api(env, client):
    client.force_login(env.buyer_a)

    created = _post(
        client,
        API,
        {
            "recognition": env.rec.pk,
            "title": "血液透析设备采购",
            "method": "single_source",
            "quantity": 2,
            "budget": "5000000.00",
            "description": "两台",
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    pk = body["id"]
    assert body["number"].startswith(f"SG{timezone.localdate().year}-")
    assert body["state"] == "draft" and body["needs_notice"] is True
    assert body["supplier"] == env.ent_hz.pk and body["buyer"] == env.org_a.pk
    assert body["recognition_summary"]["certificate_number"] == env.rec.certificate_number
    assert set(body["actions"]) >= {"edit", "save_notice", "publish_notice", "cancel"}
    assert "award" not in body["actions"]  # a notice is required first

    changed = client.patch(f"{API}{pk}/", {"quantity": 3}, content_type=JSON)
    assert changed.status_code == 200 and changed.json()["quantity"] == 3

    saved = client.put(f"{API}{pk}/notice/", b.notice_fields(), content_type=JSON)
    assert saved.status_code == 200, saved.json()
    assert [e["name"] for e in saved.json()["notice"]["experts"]] == [e["name"] for e in b.EXPERTS]

    published = _post(client, f"{API}{pk}/publish-notice/")
    assert published.status_code == 200, published.json()
    notice = published.json()["notice"]
    assert published.json()["state"] == "notice" and notice["accepting_objections"] is True
    assert notice["ends_at"] > notice["starts_at"]

    client.logout()
    objected = _post(
        client,
        f"{PUBLIC}{pk}/objections/",
        {"name": "张三", "phone": "13800000000", "content": "并非唯一供应商。", "email": "z@example.com"},
    )
    assert objected.status_code == 201, objected.json()
    tracking = objected.json()["tracking_number"]

    client.force_login(env.buyer_a)
    detail = client.get(f"{API}{pk}/").json()
    assert detail["open_objection_count"] == 1 and "justify" in detail["actions"]
    (objection,) = detail["objections"]
    assert objection["tracking_number"] == tracking and objection["phone"] == "13800000000"

    justified = _post(
        client,
        f"{API}{pk}/justify/",
        {"text": "经再次论证，该产品具有唯一性。", "objection_ids": [objection["id"]], "experts": "王建国"},
    )
    assert justified.status_code == 200, justified.json()
    body = justified.json()
    assert body["open_objection_count"] == 0
    assert body["justifications"][0]["objection_ids"] == [objection["id"]]
    assert body["objections"][0]["state"] == "answered"

    b.end_notice(Purchase.objects.get(pk=pk))
    from procurement.services.notices import close_due_notices

    assert close_due_notices() == 1
    today = timezone.localdate()
    awarded = _post(client, f"{API}{pk}/award/", {"awarded_on": today.isoformat(), "amount": "4800000"})
    assert awarded.status_code == 200, awarded.json()
    assert awarded.json()["award"] == {"awarded_on": today.isoformat(), "amount": "4800000.00"}

    signed = _post(
        client, f"{API}{pk}/contract/", {"number": "HT-2026-01", "amount": "4750000", "signed_on": today.isoformat()}
    )
    assert signed.status_code == 200, signed.json()
    assert signed.json()["contract"]["signed_late"] is False and signed.json()["state"] == "contracted"

    uploaded = client.post(
        f"{API}{pk}/documents/", {"type": "contract", "file": SimpleUploadedFile("合同.pdf", PDF_BYTES)}
    )
    assert uploaded.status_code == 201, uploaded.json()
    document_id = uploaded.json()["id"]
    assert client.get(f"{API}{pk}/documents/").json()[0]["id"] == document_id
    download = client.get(uploaded.json()["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES

    delivered = _post(
        client, f"{API}{pk}/delivery/", {"delivered_on": today.isoformat(), "accepted_on": today.isoformat()}
    )
    assert delivered.status_code == 200, delivered.json()
    final = delivered.json()
    assert final["state"] == "completed" and final["actions"] == ["upload"]
    assert final["documents"][0]["name"].endswith(".pdf")


def test_a_late_contract_is_flagged(env, client):
    p = b.purchase(env.buyer_a, env.rec, budget=Decimal("100000"), state="draft")
    Purchase.objects.filter(pk=p.pk).update(
        state="awarded", awarded_on=timezone.localdate() - dt.timedelta(days=40), award_amount=Decimal("100000")
    )
    client.force_login(env.buyer_a)

    signed = _post(
        client,
        f"{API}{p.pk}/contract/",
        {"number": "HT-1", "amount": "100000", "signed_on": timezone.localdate().isoformat()},
    )

    assert signed.status_code == 200, signed.json()
    assert signed.json()["contract"]["signed_late"] is True
    assert client.get(API, {"signed_late": "true"}).json()["count"] == 1
    assert client.get(API, {"signed_late": "false"}).json()["count"] == 0


def test_a_revoked_recognition_is_refused_with_its_revocation_document(env, client):
    revoked = b.recognition_for(env.ent_hz, status="revoked")
    client.force_login(env.buyer_a)
    before = (Purchase.objects.count(), AuditEvent.objects.count())

    response = _post(
        client,
        API,
        {"recognition": revoked.pk, "title": "采购", "method": "single_source", "quantity": 1, "budget": "100"},
    )

    assert response.status_code == 400
    message = _fields(response)["recognition"][0]
    assert b.REVOCATION_DOCUMENT in message and "撤销" in message
    assert (Purchase.objects.count(), AuditEvent.objects.count()) == before


def test_an_expired_recognition_is_refused_with_its_dates(env, client):
    today = timezone.localdate()
    expired = b.recognition_for(
        env.ent_hz, valid_from=today - dt.timedelta(days=1200), valid_until=today - dt.timedelta(days=1)
    )
    client.force_login(env.buyer_a)

    response = _post(
        client,
        API,
        {"recognition": expired.pk, "title": "采购", "method": "single_source", "quantity": 1, "budget": "100"},
    )

    assert response.status_code == 400
    assert (today - dt.timedelta(days=1)).isoformat() in _fields(response)["recognition"][0]
    assert not Purchase.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"budget": "0"}, "budget"),
        ({"budget": "-5"}, "budget"),
        ({"quantity": 0}, "quantity"),
        ({"method": "auction"}, "method"),
        ({"method": "other", "method_details": ""}, "method_details"),
        ({"title": ""}, "title"),
        ({"recognition": 99999999}, "recognition"),
    ],
)
def test_bad_purchases_name_the_field_and_write_nothing(env, client, data, field):
    client.force_login(env.buyer_a)
    payload = {
        "recognition": env.rec.pk,
        "title": "采购",
        "method": "single_source",
        "quantity": 1,
        "budget": "100",
        **data,
    }

    response = _post(client, API, payload)

    assert response.status_code == 400, response.json()
    assert field in _fields(response)
    assert not Purchase.objects.exists()


def test_action_errors_name_the_field_and_write_nothing(env, client):
    p = b.purchase(env.buyer_a, env.rec, state="draft")
    client.force_login(env.buyer_a)
    url = f"{API}{p.pk}/"
    before = AuditEvent.objects.count()

    no_expert = client.put(f"{url}notice/", b.notice_fields(experts=[]), content_type=JSON)
    half_expert = client.put(
        f"{url}notice/", b.notice_fields(experts=[{"name": "王", "employer": "", "title": ""}]), content_type=JSON
    )
    short = client.put(f"{url}notice/", b.notice_fields(working_days=3), content_type=JSON)
    no_reason = _post(client, f"{url}cancel/", {"reason": " "})
    unpublished = _post(client, f"{url}publish-notice/")
    too_early = _post(client, f"{url}award/", {"awarded_on": timezone.localdate().isoformat(), "amount": "1"})

    assert no_expert.status_code == half_expert.status_code == short.status_code == 400
    assert "experts" in _fields(no_expert) and "experts" in _fields(half_expert)
    assert "working_days" in _fields(short)
    assert no_reason.status_code == 400 and "reason" in _fields(no_reason)
    assert unpublished.status_code == 400 and "notice" in _fields(unpublished)
    assert too_early.status_code == 400
    assert not SingleSourceNotice.objects.exists()
    assert Purchase.objects.get(pk=p.pk).state == "draft"
    assert AuditEvent.objects.count() == before


def test_award_refused_while_an_objection_is_open_and_contract_dates_checked(env, client):
    p = b.purchase(env.buyer_a, env.rec, state="notice")
    client.logout()
    assert (
        _post(
            client, f"{PUBLIC}{p.pk}/objections/", {"name": "李四", "phone": "13900000000", "content": "有其他供应商。"}
        ).status_code
        == 201
    )
    b.end_notice(p)
    from procurement.services.notices import close_due_notices

    close_due_notices()
    client.force_login(env.buyer_a)
    today = timezone.localdate()

    refused = _post(client, f"{API}{p.pk}/award/", {"awarded_on": today.isoformat(), "amount": "100"})
    foreign = _post(client, f"{API}{p.pk}/justify/", {"text": "论证", "objection_ids": [999999]})

    assert refused.status_code == 400 and "__all__" in _fields(refused)
    assert "异议" in _fields(refused)["__all__"][0]
    assert foreign.status_code == 400 and "objection_ids" in _fields(foreign)
    assert Purchase.objects.get(pk=p.pk).state == "pending_award"

    awarded = b.purchase(env.buyer_a, env.rec, budget=Decimal("1000"), state="awarded")
    before_award = _post(
        client,
        f"{API}{awarded.pk}/contract/",
        {"number": "HT", "amount": "10", "signed_on": (today - dt.timedelta(days=1)).isoformat()},
    )
    assert before_award.status_code == 400 and "signed_on" in _fields(before_award)
    assert not Contract.objects.exists()


def test_documents_name_the_field_and_removal(env, client):
    p = b.purchase(env.buyer_a, env.rec, budget=Decimal("1000"), state="awarded")
    client.force_login(env.buyer_a)
    url = f"{API}{p.pk}/documents/"

    not_pdf = client.post(url, {"type": "contract", "file": SimpleUploadedFile("a.pdf", b"hello")})
    no_type = client.post(url, {"type": "poster", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert not_pdf.status_code == 400 and "file" in _fields(not_pdf)
    assert no_type.status_code == 400 and "type" in _fields(no_type)
    assert not PurchaseDocument.objects.exists()

    doc = client.post(url, {"type": "award_notice", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)}).json()
    assert client.delete(f"{url}{doc['id']}/").status_code == 204
    assert client.get(url).json() == []
    assert client.delete(f"{url}{doc['id']}/").status_code == 404


def test_a_draft_purchase_for_another_method_is_awarded_directly(env, client):
    client.force_login(env.buyer_a)
    created = _post(
        client,
        API,
        {
            "recognition": env.rec.pk,
            "title": "采购",
            "method": "other",
            "method_details": "竞争性谈判",
            "quantity": 1,
            "budget": "3000000",
        },
    ).json()
    assert "award" in created["actions"] and "publish_notice" not in created["actions"]

    awarded = _post(
        client, f"{API}{created['id']}/award/", {"awarded_on": timezone.localdate().isoformat(), "amount": "2900000"}
    )

    assert awarded.status_code == 200 and awarded.json()["state"] == "awarded"
    assert awarded.json()["notice"] is None


def test_list_filters_and_search(env, client):
    robot = b.recognition_for(env.ent_nb, field="robotics")
    medical = b.purchase(env.buyer_a, env.rec, budget=Decimal("1000"), state="contracted", title="透析机采购")
    draft = b.purchase(env.buyer_a, robot, title="机器人采购")
    client.force_login(env.buyer_a)

    def ids(**params):
        return {r["id"] for r in client.get(API, params).json()["results"]}

    assert ids() == {medical.pk, draft.pk}
    assert ids(q="透析") == {medical.pk}
    assert ids(q=env.rec.certificate_number) == {medical.pk}
    assert ids(q=env.ent_nb.name[:4]) == {draft.pk}
    assert ids(state="draft") == {draft.pk}
    assert ids(field="robotics") == {draft.pk}
    assert ids(year=timezone.localdate().year) == {medical.pk}
    assert ids(city=robot.city_id) == {draft.pk}
    assert ids(method="other") == set()
    bad = client.get(API, {"state": "nonsense", "year": "abc"})
    assert bad.status_code == 400 and {"state", "year"} <= set(_fields(bad))


def _bulk(env, n, recognitions):
    """n purchases of the buyer in a mix of states, all visible past draft except the drafts."""
    states = ["draft", "awarded", "contracted", "notice", "completed"]
    made = []
    for i in range(n):
        state = states[i % len(states)]
        budget = Decimal("5000000") if state == "notice" else Decimal("1000")
        made.append(b.purchase(env.buyer_a, recognitions[i % len(recognitions)], budget=budget, state=state))
    return made


@pytest.mark.parametrize("who", ["buyer_a", "province_user", "hz_user", "ent_hz_user"])
def test_the_list_queries_do_not_grow_with_its_length(env, client, who):
    recognitions = [env.rec, b.recognition_for(env.ent_hz, field="robotics")]
    first = b.purchase(env.buyer_a, env.rec, budget=Decimal("1000"), state="contracted")
    client.force_login(getattr(env, who))
    client.get(API)
    with CaptureQueriesContext(connection) as one:
        assert client.get(API, {"page_size": 50}).json()["count"] == 1
    _bulk(env, 49, recognitions)
    p = Purchase.objects.filter(state="notice").first()
    client.logout()
    _post(client, f"{PUBLIC}{p.pk}/objections/", {"name": "王五", "phone": "13700000000", "content": "异议"})
    client.force_login(getattr(env, who))

    with CaptureQueriesContext(connection) as many:
        rows = client.get(API, {"page_size": 50}).json()["results"]

    expected = 50 if who == "buyer_a" else 50 - 10  # 10 drafts seen by the buyer only
    assert len(rows) == expected
    assert len(many.captured_queries) == len(one.captured_queries), [q["sql"] for q in many.captured_queries]
    assert first.pk in {r["id"] for r in rows}
    assert {r["objection_count"] for r in rows} == {0, 1}
    if who == "buyer_a":
        assert {"edit", "cancel"} <= {a for r in rows for a in r["actions"]}
    else:
        assert all(r["actions"] == [] for r in rows)


def test_the_export_is_an_excel_workbook_of_the_users_purchases(env, client):
    mine = b.purchase(env.buyer_a, env.rec, budget=Decimal("1000"), state="awarded")
    other = b.purchase(env.buyer_b, env.rec, budget=Decimal("1000"), state="awarded")
    client.force_login(env.buyer_a)

    response = client.get(f"{API}export.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = {c for row in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True) for c in row}
    assert mine.number in cells and other.number not in cells
    assert client.get(f"{API}export.xlsx", {"year": "x"}).status_code == 400


def test_the_schema_lists_the_procurement_routes(env, client):
    client.force_login(env.province_user)

    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    base = "/api/v1/procurement/"
    assert {
        f"{base}{p}"
        for p in [
            "purchases/",
            "purchases/{id}/",
            "purchases/{id}/notice/",
            "purchases/{id}/publish-notice/",
            "purchases/{id}/cancel/",
            "purchases/{id}/justify/",
            "purchases/{id}/award/",
            "purchases/{id}/contract/",
            "purchases/{id}/delivery/",
            "purchases/{id}/documents/",
            "purchases/{id}/documents/{document_id}/",
            "purchases/export.xlsx",
            "public/purchases/",
            "public/purchases/{id}/",
            "public/purchases/{id}/objections/",
            "public/purchase-objections/status/",
            "stats/",
            "stats/export.xlsx",
            "buyers/",
            "buyers/{id}/",
            "buyers/{id}/invite/",
            "purchases/notice-preview/",
        ]
    } <= set(response.json()["paths"])


def test_the_notice_preview_counts_working_days(env, client):
    client.force_login(env.buyer_a)

    preview = client.get(f"{API}notice-preview/", {"starts_at": "2026-03-02T09:00:00+08:00", "working_days": 5})
    too_short = client.get(f"{API}notice-preview/", {"working_days": 3})

    assert preview.status_code == 200, preview.json()
    assert preview.json()["last_day"] == "2026-03-06"
    assert preview.json()["ends_at"] == "2026-03-07T00:00:00+08:00"  # the day after the last working day
    assert too_short.status_code == 400 and "working_days" in _fields(too_short)


def test_a_notice_start_years_ahead_is_a_400_naming_the_field(env, client):
    purchase = b.purchase(env.buyer_a, env.rec)
    client.force_login(env.buyer_a)
    saved = client.put(
        f"{API}{purchase.pk}/notice/", b.notice_fields(starts_at="9999-12-31T12:00:00+08:00"), content_type=JSON
    )
    assert saved.status_code == 400 and "starts_at" in _fields(saved)
    assert not SingleSourceNotice.objects.exists()
    preview = client.get(f"{API}notice-preview/", {"starts_at": "9999-12-31T12:00:00+08:00", "working_days": 5})
    assert preview.status_code == 400 and "starts_at" in _fields(preview)
