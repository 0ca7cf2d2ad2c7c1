"""The purchases API's scope and role matrix: anonymous 401; another buyer, another enterprise, another city's
bureau, an expert and a user with no role 404 (existence does not leak); the supplier enterprise and the bureaus
who see the purchase read it but get 403 on every action; the buyer's own users act. Drafts are the buyer's only.
Objectors' identities reach the buyer only; the public API shows no identity and no private document."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent
from procurement.models import Contract, Justification, Purchase, PurchaseDocument, PurchaseObjection
from tests import factories as f
from tests.certification.helpers import PDF_BYTES
from tests.procurement import builders as b

API = "/api/v1/procurement/purchases/"
PUBLIC = "/api/v1/procurement/public/purchases/"
JSON = "application/json"
OBJECTOR = {
    "name": "赵异议",
    "phone": "13812345678",
    "content": "该产品并非唯一。",
    "email": "zhao@example.com",
    "organisation": "某某医疗器械公司",
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def env(world):
    world.org_a = b.buyer_org()
    world.buyer_a = b.buyer_user(world.org_a, username="buyer_a")
    world.org_b = b.buyer_org(name="宁波市第一医院")
    world.buyer_b = b.buyer_user(world.org_b, username="buyer_b")
    world.outsider = f.UserFactory(username="outsider")
    world.rec = b.recognition_for(world.ent_hz)
    world.draft = b.purchase(world.buyer_a, world.rec, state="draft")
    world.under_notice = b.purchase(world.buyer_a, world.rec, state="notice")
    from procurement.services.objections import submit_objection

    world.objection = submit_objection(purchase_id=world.under_notice.pk, **OBJECTOR)
    world.signed = b.purchase(world.buyer_a, world.rec, budget=Decimal("1000"), state="contracted")
    from procurement.services.documents import upload_document

    world.document = upload_document(
        actor=world.buyer_a,
        purchase_id=world.signed.pk,
        type="contract",
        uploaded_file=SimpleUploadedFile("合同.pdf", PDF_BYTES),
    )
    return world


def _snapshot():
    return (
        list(Purchase.objects.order_by("pk").values_list("state", "quantity", "awarded_on", "cancel_reason")),
        PurchaseObjection.objects.filter(state="open").count(),
        Justification.objects.count(),
        Contract.objects.count(),
        list(Contract.objects.values_list("delivered_on", flat=True)),
        PurchaseDocument.objects.filter(removed_at__isnull=True).count(),
        AuditEvent.objects.count(),
    )


def _writes(env):
    """Every write of the API against the purchases of env, as (method, url, data); valid data, so that only the
    caller's role decides."""
    today = timezone.localdate().isoformat()
    draft, notice, signed = (f"{API}{p.pk}/" for p in (env.draft, env.under_notice, env.signed))
    return [
        ("patch", draft, {"quantity": 7}),
        ("put", f"{draft}notice/", b.notice_fields()),
        ("post", f"{draft}cancel/", {"reason": "不再需要"}),
        ("post", f"{notice}justify/", {"text": "补充论证", "objection_ids": [env.objection.pk]}),
        ("post", f"{notice}cancel/", {"reason": "不再需要"}),
        ("post", f"{notice}award/", {"awarded_on": today, "amount": "1"}),
        ("post", f"{signed}delivery/", {"delivered_on": today}),
        ("delete", f"{signed}documents/{env.document.pk}/", None),
    ]


def _reads(env):
    notice, signed = (f"{API}{p.pk}/" for p in (env.under_notice, env.signed))
    return [("get", notice, None), ("get", signed, None), ("get", f"{signed}documents/", None)]


def _call(client, method, url, data):
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, data, content_type=JSON)


def _upload(client, env):
    return client.post(
        f"{API}{env.signed.pk}/documents/", {"type": "other", "file": SimpleUploadedFile("x.pdf", PDF_BYTES)}
    )


def test_anonymous_gets_401_everywhere(env, client):
    before = _snapshot()
    download = f"{API}{env.signed.pk}/documents/{env.document.pk}/"

    for method, url, data in [
        *_writes(env),
        *_reads(env),
        ("get", API, None),
        ("post", API, {}),
        ("get", f"{API}{env.draft.pk}/", None),
        ("get", download, None),
        ("get", f"{API}export.xlsx", None),
    ]:
        assert _call(client, method, url, data).status_code == 401, (method, url)
    assert _upload(client, env).status_code == 401
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["buyer_b", "ent_nb_user", "nb_user", "expert_user", "outsider"])
def test_outsiders_get_404_and_nothing_is_written(env, client, who):
    client.force_login(getattr(env, who))
    before = _snapshot()
    download = f"{API}{env.signed.pk}/documents/{env.document.pk}/"

    for method, url, data in [
        *_writes(env),
        *_reads(env),
        ("get", f"{API}{env.draft.pk}/", None),
        ("get", download, None),
        ("put", f"{API}{env.under_notice.pk}/notice/", {}),
    ]:
        assert _call(client, method, url, data).status_code == 404, (method, url)
    assert _upload(client, env).status_code == 404
    assert client.get(API).json()["count"] == 0
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["ent_hz_user", "province_user", "finance_user", "hz_user", "binjiang_user"])
def test_who_sees_but_does_not_buy_reads_and_gets_403(env, client, who):
    client.force_login(getattr(env, who))
    before = _snapshot()

    for method, url, data in _reads(env):
        assert _call(client, method, url, data).status_code == 200, (method, url)
    assert client.get(f"{API}{env.draft.pk}/").status_code == 404  # drafts are the buyer's only
    for method, url, data in _writes(env)[3:]:  # the draft's writes answer 404 (above)
        response = _call(client, method, url, data)
        assert response.status_code == 403, (method, url, response.json())
        assert response.json()["error"]["code"] == "permission_denied"
    assert _upload(client, env).status_code == 403
    listed = {r["id"] for r in client.get(API).json()["results"]}
    assert listed == {env.under_notice.pk, env.signed.pk}
    assert _snapshot() == before

    download = client.get(f"{API}{env.signed.pk}/documents/{env.document.pk}/")
    assert download.status_code == 200  # audited: someone other than the buyer opened it
    assert AuditEvent.objects.filter(action="purchase.document_downloaded").count() == 1


@pytest.mark.parametrize("who", ["ent_hz_user", "province_user", "hz_user"])
def test_only_the_buyer_sees_who_objected(env, client, who):
    client.force_login(getattr(env, who))

    detail = client.get(f"{API}{env.under_notice.pk}/")

    (objection,) = detail.json()["objections"]
    assert objection["content"] == OBJECTOR["content"] and objection["state"] == "open"
    assert not {"name", "phone", "email", "organisation", "tracking_number"} & set(objection)
    text = detail.content.decode()
    for secret in (
        OBJECTOR["name"],
        OBJECTOR["phone"],
        OBJECTOR["email"],
        OBJECTOR["organisation"],
        env.objection.tracking_number,
    ):
        assert secret not in text

    client.force_login(env.buyer_a)
    (mine,) = client.get(f"{API}{env.under_notice.pk}/").json()["objections"]
    assert mine["name"] == OBJECTOR["name"] and mine["phone"] == OBJECTOR["phone"]
    assert mine["tracking_number"] == env.objection.tracking_number


def test_the_buyer_acts_and_other_users_of_the_same_buyer_too(env, client):
    colleague = b.buyer_user(env.org_a, username="buyer_a2")
    client.force_login(colleague)

    assert client.get(f"{API}{env.draft.pk}/").json()["actions"][:2] == ["edit", "save_notice"]
    assert client.patch(f"{API}{env.draft.pk}/", {"quantity": 4}, content_type=JSON).status_code == 200
    assert Purchase.objects.get(pk=env.draft.pk).quantity == 4
    assert {r["id"] for r in client.get(API).json()["results"]} == {env.draft.pk, env.under_notice.pk, env.signed.pk}


@pytest.mark.parametrize("who", ["ent_hz_user", "province_user", "hz_user"])
def test_only_buyers_create_purchases(env, client, who):
    client.force_login(getattr(env, who))
    count = Purchase.objects.count()

    response = client.post(
        API,
        {"recognition": env.rec.pk, "title": "采购", "method": "single_source", "quantity": 1, "budget": "100"},
        content_type=JSON,
    )

    assert response.status_code == 403
    assert Purchase.objects.count() == count


def test_a_user_of_two_buyers_chooses_and_cannot_use_a_foreign_one(env, client):
    from accounts.models import Membership

    Membership.objects.create(user=env.buyer_a, organisation=env.org_b, role="buyer")
    client.force_login(env.buyer_a)
    data = {"recognition": env.rec.pk, "title": "采购", "method": "single_source", "quantity": 1, "budget": "100"}

    unchosen = client.post(API, data, content_type=JSON)
    chosen = client.post(API, {**data, "buyer": env.org_b.pk}, content_type=JSON)
    other = b.buyer_org(name="温州市人民医院")
    foreign = client.post(API, {**data, "buyer": other.pk}, content_type=JSON)

    assert unchosen.status_code == 400 and "buyer" in unchosen.json()["error"]["fields"]
    assert chosen.status_code == 201 and chosen.json()["buyer"] == env.org_b.pk
    assert foreign.status_code == 403


# --- the public ------------------------------------------------------------------------------------------------


def test_the_public_sees_notices_and_awards_without_identities_or_documents(env, client):
    listed = client.get(PUBLIC).json()
    assert {r["id"] for r in listed["results"]} == {env.under_notice.pk, env.signed.pk}
    assert client.get(f"{PUBLIC}{env.draft.pk}/").status_code == 404

    detail = client.get(f"{PUBLIC}{env.under_notice.pk}/")
    body = detail.json()
    assert body["objection_count"] == 1 and body["open_objection_count"] == 1
    assert body["accepting_objections"] is True
    assert [e["name"] for e in body["notice"]["experts"]] == [e["name"] for e in b.EXPERTS]
    assert "objections" not in body and "documents" not in body
    signed = client.get(f"{PUBLIC}{env.signed.pk}/").json()
    assert signed["contract"]["number"] == f"HT-{env.signed.number}" and "documents" not in signed
    text = detail.content.decode() + json.dumps(listed, ensure_ascii=False) + json.dumps(signed, ensure_ascii=False)
    for secret in (
        OBJECTOR["name"],
        OBJECTOR["phone"],
        OBJECTOR["email"],
        OBJECTOR["organisation"],
        env.objection.tracking_number,
        env.document.name,
        env.document.sha256,
    ):
        assert secret not in text


def test_the_public_list_takes_the_filters(env, client):
    assert {r["id"] for r in client.get(PUBLIC, {"state": "notice"}).json()["results"]} == {env.under_notice.pk}
    assert client.get(PUBLIC, {"field": "robotics"}).json()["count"] == 0
    assert client.get(PUBLIC, {"state": "draft"}).json()["count"] == 0
    assert client.get(PUBLIC, {"year": "abc"}).status_code == 400


def test_public_objections_only_while_the_notice_runs_and_errors_name_the_field(env, client):
    url = f"{PUBLIC}{env.under_notice.pk}/objections/"

    bad_phone = client.post(url, {**OBJECTOR, "phone": "12"}, content_type=JSON)
    no_content = client.post(url, {**OBJECTOR, "content": ""}, content_type=JSON)
    closed = client.post(f"{PUBLIC}{env.signed.pk}/objections/", OBJECTOR, content_type=JSON)
    draft = client.post(f"{PUBLIC}{env.draft.pk}/objections/", OBJECTOR, content_type=JSON)

    assert bad_phone.status_code == 400 and "phone" in bad_phone.json()["error"]["fields"]
    assert no_content.status_code == 400 and "content" in no_content.json()["error"]["fields"]
    assert closed.status_code == 400
    assert draft.status_code == 404
    assert PurchaseObjection.objects.count() == 1


def test_public_objections_are_rate_limited_per_address(env, client):
    url = f"{PUBLIC}{env.under_notice.pk}/objections/"
    for i in range(5):
        assert client.post(url, {**OBJECTOR, "content": f"异议{i}"}, content_type=JSON).status_code == 201

    refused = client.post(url, OBJECTOR, content_type=JSON)

    assert refused.status_code == 429
    assert PurchaseObjection.objects.count() == 6  # the fixture's one and five filed here
    other = client.post(url, OBJECTOR, content_type=JSON, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 201


def test_the_objector_looks_up_the_answer_by_tracking_number_and_phone(env, client):
    url = "/api/v1/procurement/public/purchase-objections/status/"
    client.force_login(env.buyer_a)
    client.post(
        f"{API}{env.under_notice.pk}/justify/",
        {"text": "经补充论证，理由成立。", "objection_ids": [env.objection.pk]},
        content_type=JSON,
    )
    client.logout()

    found = client.post(
        url, {"tracking_number": env.objection.tracking_number, "phone": OBJECTOR["phone"]}, content_type=JSON
    )
    wrong = client.post(
        url, {"tracking_number": env.objection.tracking_number, "phone": "13800000000"}, content_type=JSON
    )

    assert found.status_code == 200
    assert found.json()["state"] == "answered" and found.json()["justification"] == "经补充论证，理由成立。"
    assert found.json()["purchase_number"] == env.under_notice.number
    assert wrong.status_code == 404
