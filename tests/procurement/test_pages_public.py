"""Public pages of 政府首购 (no login): the list of single-source notices and results, one purchase with its notice,
experts, justifications and result, the objection form (rate-limited per address) with its receipt, and the
status lookup. Drafts, the objectors' identities and the private documents are never shown."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement.models import PurchaseObjection
from procurement.services import documents as document_services
from procurement.services import objections as objection_services
from tests.certification.helpers import PDF_BYTES
from tests.procurement import builders as b

pytestmark = pytest.mark.django_db

OBJECTION = {
    "name": "赵六",
    "organisation": "某某医疗器械公司",
    "phone": "13900001111",
    "email": "zhao@example.com",
    "content": "该产品并非唯一供应来源。",
}


@pytest.fixture
def buyer(world):
    return b.buyer_user(b.buyer_org())


@pytest.fixture
def rec(world):
    return b.recognition_for(world.ent_hz)


def test_list_shows_notices_and_results_never_drafts(client, world, buyer, rec):
    draft = b.purchase(buyer, rec, title="草稿项目")
    running = b.purchase(buyer, rec, state="notice", title="公示中的项目")
    awarded = b.purchase(buyer, rec, method="open_tender", budget=900000, state="awarded", title="已成交的项目")
    response = client.get(reverse("public_notice_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert running.title in html and awarded.title in html and draft.title not in html
    html = client.get(reverse("public_notice_list"), {"q": "公示中"}).content.decode()
    assert running.title in html and awarded.title not in html
    assert client.get(reverse("public_purchase_detail", args=[draft.pk])).status_code == 404


def test_detail_shows_the_notice_and_the_experts(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="notice")
    html = client.get(reverse("public_purchase_detail", args=[purchase.pk])).content.decode()
    for text in (
        purchase.buyer.name,
        purchase.title,
        rec.product_name,
        world.ent_hz.name,
        b.NOTICE_FIELDS["reason"],
        b.NOTICE_FIELDS["justification"],
        *[e["employer"] for e in b.EXPERTS],
        *[e["name"] for e in b.EXPERTS],
        *[e["title"] for e in b.EXPERTS],
    ):
        assert text in html, text
    assert 'data-testid="objection-form"' in html and 'data-testid="notice-period"' in html


def test_objection_post_then_receipt_and_status(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="notice")
    response = client.post(reverse("public_objection", args=[purchase.pk]), OBJECTION)
    objection = PurchaseObjection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("purchase_objection_receipt", args=[objection.tracking_number])
    receipt = client.get(response["Location"]).content.decode()
    assert objection.tracking_number in receipt
    # The receipt is only for the session that filed it.
    from django.test import Client

    assert Client().get(response["Location"]).status_code == 404

    # The public page never shows who objected.
    html = client.get(reverse("public_purchase_detail", args=[purchase.pk])).content.decode()
    for secret in (
        OBJECTION["name"],
        OBJECTION["organisation"],
        OBJECTION["phone"],
        OBJECTION["email"],
        objection.tracking_number,
    ):
        assert secret not in html

    # Status lookup: unanswered, then answered with the justification.
    url = reverse("purchase_objection_status")
    assert client.get(url).status_code == 200
    response = client.post(url, {"tracking_number": objection.tracking_number, "phone": OBJECTION["phone"]})
    assert response.status_code == 200 and "待补充论证" in response.content.decode()
    objection_services.add_justification(
        actor=buyer, purchase_id=purchase.pk, text="经补充论证，理由成立。", objection_ids=[objection.pk]
    )
    response = client.post(url, {"tracking_number": objection.tracking_number, "phone": OBJECTION["phone"]})
    assert response.status_code == 200 and "经补充论证，理由成立。" in response.content.decode()
    response = client.post(url, {"tracking_number": objection.tracking_number, "phone": "13800000000"})
    assert response.status_code == 404 and 'data-testid="not-found"' in response.content.decode()
    # The justification is public, the objector still is not.
    html = client.get(reverse("public_purchase_detail", args=[purchase.pk])).content.decode()
    assert "经补充论证，理由成立。" in html and OBJECTION["name"] not in html and OBJECTION["phone"] not in html


def test_objection_errors_next_to_their_field_write_nothing(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="notice")
    response = client.post(reverse("public_objection", args=[purchase.pk]), {**OBJECTION, "phone": "12"})
    assert response.status_code == 400 and 'data-field-error="phone"' in response.content.decode()
    response = client.post(reverse("public_objection", args=[purchase.pk]), {**OBJECTION, "content": ""})
    assert response.status_code == 400 and 'data-field-error="content"' in response.content.decode()
    assert not PurchaseObjection.objects.exists()


def test_objection_refused_after_the_notice(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="pending_award")
    html = client.get(reverse("public_purchase_detail", args=[purchase.pk])).content.decode()
    assert 'data-testid="objection-form"' not in html
    response = client.post(reverse("public_objection", args=[purchase.pk]), OBJECTION)
    assert response.status_code == 410 and not PurchaseObjection.objects.exists()


def test_objection_of_a_draft_is_404(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec)
    assert client.post(reverse("public_objection", args=[purchase.pk]), OBJECTION).status_code == 404


def test_objection_rate_limited_per_address(client, world, buyer, rec, settings):
    settings.RATE_LIMITS = {"purchase_objection": (2, 3600)}
    purchase = b.purchase(buyer, rec, state="notice")
    url = reverse("public_objection", args=[purchase.pk])
    for _ in range(2):
        assert client.post(url, OBJECTION).status_code == 302
    response = client.post(url, OBJECTION)
    assert response.status_code == 429 and 'data-testid="rate-limited"' in response.content.decode()
    assert PurchaseObjection.objects.count() == 2
    # Another address may still object.
    assert client.post(url, OBJECTION, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_attempts_rate_limited_even_when_invalid(client, world, buyer, rec, settings):
    settings.RATE_LIMITS = {"purchase_objection_attempt": (3, 3600)}
    purchase = b.purchase(buyer, rec, state="notice")
    url = reverse("public_objection", args=[purchase.pk])
    for _ in range(3):
        assert client.post(url, {**OBJECTION, "content": ""}).status_code == 400
    assert client.post(url, OBJECTION).status_code == 429
    assert not PurchaseObjection.objects.exists()


def test_status_lookup_rate_limited(client, settings):
    settings.RATE_LIMITS = {"purchase_objection_status": (2, 3600)}
    url = reverse("purchase_objection_status")
    for _ in range(2):
        assert client.post(url, {"tracking_number": "SY2026-AAAAAAAA", "phone": "13900001111"}).status_code == 404
    assert client.post(url, {"tracking_number": "SY2026-AAAAAAAA", "phone": "13900001111"}).status_code == 429


def test_result_shows_award_and_contract_never_documents(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="contracted")
    document = document_services.upload_document(
        actor=buyer,
        purchase_id=purchase.pk,
        type="contract",
        uploaded_file=SimpleUploadedFile("保密合同.pdf", PDF_BYTES),
    )
    html = client.get(reverse("public_purchase_detail", args=[purchase.pk])).content.decode()
    assert 'data-testid="public-result"' in html and 'data-testid="public-contract-amount"' in html
    assert "5,000,000.00" in html and purchase.awarded_on.isoformat() in html
    assert document.name not in html and f"HT-{purchase.number}" not in html
    assert "/documents/" not in html


def test_public_list_queries_do_not_grow(client, world, buyer, rec):
    b.purchase(buyer, rec, state="notice")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("public_notice_list")).status_code == 200
        return len(ctx)

    one = count()
    for _ in range(9):
        b.purchase(buyer, rec, state="notice")
    assert count() == one


# --- review ------------------------------------------------------------------------------------------------------


def test_the_list_shows_when_the_notice_ends_not_just_the_day_after(client, world, buyer, rec):
    # ends_at is 00:00 of the day after the last working day: a bare date would name a day with no objections.
    from django.utils import timezone

    purchase = b.purchase(buyer, rec, state="notice")
    html = client.get(reverse("public_notice_list")).content.decode()
    assert timezone.localtime(purchase.notice.ends_at).strftime("%Y-%m-%d %H:%M") in html


def test_a_notice_not_yet_started_says_so_not_that_it_ended(client, world, buyer, rec):
    import datetime as dt

    from django.utils import timezone

    from procurement.services import notices

    purchase = b.purchase(buyer, rec)
    start = timezone.now() + dt.timedelta(days=3)
    notices.save_notice(actor=buyer, purchase_id=purchase.pk, **b.notice_fields(starts_at=start))
    notices.publish_notice(actor=buyer, purchase_id=purchase.pk)
    html = client.get(reverse("public_purchase_detail", args=[purchase.pk])).content.decode()
    assert 'data-testid="notice-not-started"' in html and "公示期已结束" not in html
    assert timezone.localtime(start).strftime("%Y-%m-%d %H:%M") in html
    client.force_login(buyer)
    html = client.get(reverse("purchase_detail", args=[purchase.pk])).content.decode()
    assert "公示期已结束" not in html and "尚未开始" in html


def test_the_open_data_is_linked_from_the_public_pages(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="notice")
    html = client.get(reverse("public_notice_list")).content.decode()
    assert f'href="{reverse("api-procurement-ocds")}"' in html
    html = client.get(reverse("public_purchase_detail", args=[purchase.pk])).content.decode()
    assert f'href="{reverse("api-procurement-purchase-ocds", args=[purchase.pk])}"' in html
