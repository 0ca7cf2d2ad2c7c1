"""首购项目 pages: the buyer records a single-source purchase of a recognised product, fills in and publishes the
notice, answers an objection with a supplementary justification, awards and signs the contract (late: flagged)
and records the acceptance; documents are uploaded and downloaded. Refusals show next to their field and write
nothing; purchases out of scope answer 404, in scope but not the buyer 403; the list has constant queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procurement.models import Justification, Purchase, PurchaseDocument, SingleSourceNotice
from procurement.services import objections as objection_services
from tests.certification.helpers import PDF_BYTES
from tests.procurement import builders as b

pytestmark = pytest.mark.django_db
S = Purchase.State


@pytest.fixture
def buyer(world):
    return b.buyer_user(b.buyer_org())


@pytest.fixture
def rec(world):
    return b.recognition_for(world.ent_hz)


def _notice_data(**overrides):
    data = {
        "reason": b.NOTICE_FIELDS["reason"],
        "justification": b.NOTICE_FIELDS["justification"],
        "contact": b.NOTICE_FIELDS["contact"],
        "starts_at": "",
        "working_days": "5",
        "experts-TOTAL_FORMS": "3",
        "experts-INITIAL_FORMS": "0",
        "experts-MIN_NUM_FORMS": "0",
        "experts-MAX_NUM_FORMS": "30",
    }
    for i, e in enumerate(b.EXPERTS):
        data.update({f"experts-{i}-{k}": v for k, v in e.items()})
    data.update(overrides)
    return data


def _purchase_data(**overrides):
    data = {
        "title": "医用直线加速器采购项目",
        "method": "single_source",
        "method_details": "",
        "quantity": "1",
        "unit": "台",
        "budget": "5000000",
        "description": "放疗科设备更新。",
    }
    data.update(overrides)
    return data


def test_buyer_records_purchase_through_the_pages(client, world, buyer, rec):
    client.force_login(buyer)
    choose = client.get(reverse("purchase_new"), {"q": rec.certificate_number})
    assert choose.status_code == 200
    assert f'href="{reverse("purchase_new")}?recognition={rec.pk}"' in choose.content.decode()
    url = reverse("purchase_new") + f"?recognition={rec.pk}"
    form = client.get(url)
    assert form.status_code == 200 and rec.product_name in form.content.decode()
    response = client.post(url, _purchase_data())
    purchase = Purchase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("purchase_detail", args=[purchase.pk])
    assert purchase.buyer.memberships.filter(user=buyer).exists() and purchase.supplier_id == world.ent_hz.pk
    html = client.get(response["Location"]).content.decode()
    assert 'data-action="edit"' in html and 'data-action="save_notice"' in html and 'data-testid="cancel-form"' in html

    # Edit the draft.
    response = client.post(reverse("purchase_edit", args=[purchase.pk]), _purchase_data(quantity="2"))
    assert response.status_code == 302 and Purchase.objects.get(pk=purchase.pk).quantity == 2

    # The notice with its experts; the htmx preview of the period.
    notice_url = reverse("purchase_notice", args=[purchase.pk])
    page = client.get(notice_url).content.decode()
    assert 'hx-get="' in page and 'id="notice-preview"' in page and "experts-TOTAL_FORMS" in page
    preview = client.get(
        notice_url, {"preview": "1", "starts_at": "2026-09-30T09:00", "working_days": "5"}, HTTP_HX_REQUEST="true"
    )
    assert preview.status_code == 200 and 'data-testid="period-preview"' in preview.content.decode()
    # National Day (10-01…10-07) is skipped and Saturday 10-10 is a working day: the 5th is Monday 10-12.
    assert "2026-10-12" in preview.content.decode()
    response = client.post(notice_url, _notice_data())
    assert response.status_code == 302
    notice = SingleSourceNotice.objects.get(purchase=purchase)
    assert [e.name for e in notice.experts.order_by("position")] == [e["name"] for e in b.EXPERTS]

    # Publish.
    response = client.post(reverse("purchase_action", args=[purchase.pk]), {"action": "publish_notice"})
    assert response.status_code == 302
    assert Purchase.objects.get(pk=purchase.pk).state == S.NOTICE

    # An objection arrives; the buyer sees who filed it and answers with a justification.
    objection = objection_services.submit_objection(
        purchase_id=purchase.pk, name="赵六", phone="13900001111", email="zhao@example.com", content="价格偏高。"
    )
    html = client.get(reverse("purchase_detail", args=[purchase.pk])).content.decode()
    assert "13900001111" in html and "zhao@example.com" in html and 'data-action="justify"' in html
    response = client.post(
        reverse("purchase_justify", args=[purchase.pk]),
        {"objection_ids": [str(objection.pk)], "text": "经补充论证，价格合理。", "experts": "王建国"},
    )
    assert response.status_code == 302 and Justification.objects.count() == 1

    # The notice ends; award and contract (late) and acceptance.
    b.end_notice(purchase, ended_days_ago=40)
    from procurement.services import notices

    notices.close_due_notices()
    awarded_on = timezone.localdate() - dt.timedelta(days=35)
    response = client.post(
        reverse("purchase_award", args=[purchase.pk]), {"awarded_on": awarded_on.isoformat(), "amount": "4980000"}
    )
    assert response.status_code == 302, response.content.decode()
    assert Purchase.objects.get(pk=purchase.pk).state == S.AWARDED
    contract_url = reverse("purchase_contract", args=[purchase.pk])
    response = client.post(
        contract_url, {"number": "HT-2026-001", "amount": "4980000", "signed_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    html = client.get(reverse("purchase_detail", args=[purchase.pk])).content.decode()
    assert 'data-testid="signed-late"' in html and "HT-2026-001" in html
    today = timezone.localdate().isoformat()
    response = client.post(contract_url, {"delivered_on": today, "accepted_on": today})
    assert response.status_code == 302 and Purchase.objects.get(pk=purchase.pk).state == S.COMPLETED

    # Documents.
    response = client.post(
        reverse("purchase_document_upload", args=[purchase.pk]),
        {"type": "contract", "file": SimpleUploadedFile("合同.pdf", PDF_BYTES)},
    )
    assert response.status_code == 302
    document = PurchaseDocument.objects.get()
    download = client.get(reverse("purchase_document_download", args=[purchase.pk, document.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    html = client.get(reverse("purchase_detail", args=[purchase.pk])).content.decode()
    assert 'data-action="purchase.notice_published"' in html and 'data-action="purchase.awarded"' in html


def test_choose_shows_refusal_for_revoked_and_expired(client, world, buyer):
    revoked = b.recognition_for(world.ent_hz, status="revoked")
    expired = b.recognition_for(world.ent_hz, valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2023, 1, 1))
    client.force_login(buyer)
    for rec, words in ((revoked, b.REVOCATION_DOCUMENT), (expired, "已过期")):
        html = client.get(reverse("purchase_new"), {"q": rec.certificate_number}).content.decode()
        assert 'data-testid="refusal"' in html and words in html
        assert f'?recognition={rec.pk}"' not in html
        # Posting anyway: the reason next to the recognition, nothing written.
        response = client.post(reverse("purchase_new") + f"?recognition={rec.pk}", _purchase_data())
        assert response.status_code == 400 and 'data-field-error="recognition"' in response.content.decode()
        assert words in response.content.decode()
    assert not Purchase.objects.exists()


def test_create_refusals_next_to_their_field_write_nothing(client, world, buyer, rec):
    client.force_login(buyer)
    url = reverse("purchase_new") + f"?recognition={rec.pk}"
    response = client.post(url, _purchase_data(method="other", method_details=""))
    assert response.status_code == 400 and 'data-field-error="method_details"' in response.content.decode()
    response = client.post(url, _purchase_data(budget="0"))
    assert response.status_code == 400 and 'data-field-error="budget"' in response.content.decode()
    response = client.post(url, _purchase_data(title=""))
    assert response.status_code == 400 and 'data-field-error="title"' in response.content.decode()
    assert not Purchase.objects.exists()


def test_notice_refusals_next_to_their_field(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec)
    client.force_login(buyer)
    url = reverse("purchase_notice", args=[purchase.pk])
    data = _notice_data(
        **{
            "experts-0-title": "",
            "experts-1-name": "",
            "experts-1-employer": "",
            "experts-1-title": "",
            "experts-2-name": "",
            "experts-2-employer": "",
            "experts-2-title": "",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 400 and 'data-field-error="experts"' in response.content.decode()
    past = (timezone.localtime() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, _notice_data(starts_at=past))
    assert response.status_code == 400 and 'data-field-error="starts_at"' in response.content.decode()
    response = client.post(url, _notice_data(working_days="3"))
    assert response.status_code == 400 and 'data-field-error="working_days"' in response.content.decode()
    assert not SingleSourceNotice.objects.exists()
    # More expert rows: nothing saved, the form is shown again with the rows.
    response = client.post(url, _notice_data(_more="1"))
    assert response.status_code == 200 and 'name="experts-5-name"' in response.content.decode()
    assert not SingleSourceNotice.objects.exists()


def test_publish_without_notice_shows_reason(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec)
    client.force_login(buyer)
    response = client.post(reverse("purchase_action", args=[purchase.pk]), {"action": "publish_notice"})
    assert response.status_code == 400 and 'data-testid="action-errors"' in response.content.decode()
    assert Purchase.objects.get(pk=purchase.pk).state == S.DRAFT


def test_cancel_needs_reason(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="notice")
    client.force_login(buyer)
    url = reverse("purchase_action", args=[purchase.pk])
    response = client.post(url, {"action": "cancel", "reason": ""})
    assert response.status_code == 400 and 'data-field-error="reason"' in response.content.decode()
    assert Purchase.objects.get(pk=purchase.pk).state == S.NOTICE
    response = client.post(url, {"action": "cancel", "reason": "预算调整。"})
    assert response.status_code == 302
    assert Purchase.objects.get(pk=purchase.pk).state == S.CANCELLED


def test_award_refusals_write_nothing(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="pending_award")
    client.force_login(buyer)
    url = reverse("purchase_award", args=[purchase.pk])
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(url, {"awarded_on": future, "amount": "100"})
    assert response.status_code == 400 and 'data-field-error="awarded_on"' in response.content.decode()
    response = client.post(url, {"awarded_on": timezone.localdate().isoformat(), "amount": "0"})
    assert response.status_code == 400 and 'data-field-error="amount"' in response.content.decode()
    assert Purchase.objects.get(pk=purchase.pk).state == S.PENDING_AWARD


def test_award_refused_while_an_objection_is_open(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="notice")
    objection_services.submit_objection(purchase_id=purchase.pk, name="赵六", phone="13900001111", content="异议")
    b.end_notice(purchase)
    from procurement.services import notices

    notices.close_due_notices()
    client.force_login(buyer)
    response = client.post(
        reverse("purchase_award", args=[purchase.pk]),
        {"awarded_on": timezone.localdate().isoformat(), "amount": "5000000"},
    )
    assert response.status_code == 400 and 'data-testid="form-errors"' in response.content.decode()
    assert Purchase.objects.get(pk=purchase.pk).state == S.PENDING_AWARD


def test_contract_refusal_next_to_field(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="awarded")
    client.force_login(buyer)
    before = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("purchase_contract", args=[purchase.pk]), {"number": "HT-1", "amount": "5000000", "signed_on": before}
    )
    assert response.status_code == 400 and 'data-field-error="signed_on"' in response.content.decode()
    assert Purchase.objects.get(pk=purchase.pk).state == S.AWARDED


def test_upload_refuses_non_pdf_next_to_field(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="awarded")
    client.force_login(buyer)
    response = client.post(
        reverse("purchase_document_upload", args=[purchase.pk]),
        {"type": "contract", "file": SimpleUploadedFile("a.pdf", b"not a pdf at all")},
    )
    assert response.status_code == 400 and 'data-field-error="file"' in response.content.decode()
    assert not PurchaseDocument.objects.exists()


def test_remove_document(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="awarded")
    client.force_login(buyer)
    client.post(
        reverse("purchase_document_upload", args=[purchase.pk]),
        {"type": "award_notice", "file": SimpleUploadedFile("成交通知书.pdf", PDF_BYTES)},
    )
    document = PurchaseDocument.objects.get()
    response = client.post(reverse("purchase_document_remove", args=[purchase.pk, document.pk]))
    assert response.status_code == 302
    assert PurchaseDocument.objects.get(pk=document.pk).removed_at is not None


# --- who sees what ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["province_user", "hz_user", "binjiang_user", "finance_user", "ent_hz_user"])
def test_detail_for_staff_and_supplier_without_objector_contact(client, world, buyer, rec, user):
    purchase = b.purchase(buyer, rec, state="notice")
    objection_services.submit_objection(
        purchase_id=purchase.pk, name="赵六", phone="13900001111", email="zhao@example.com", content="价格偏高。"
    )
    client.force_login(getattr(world, user))
    response = client.get(reverse("purchase_detail", args=[purchase.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and purchase.number in html and "价格偏高" in html
    assert "13900001111" not in html and "zhao@example.com" not in html
    assert 'data-testid="actions"' not in html and 'data-testid="cancel-form"' not in html
    assert client.get(reverse("purchase_list")).status_code == 200


@pytest.mark.parametrize("user", ["nb_user", "ent_nb_user"])
def test_out_of_scope_is_404(client, world, buyer, rec, user):
    purchase = b.purchase(buyer, rec, state="notice")
    client.force_login(getattr(world, user))
    assert client.get(reverse("purchase_detail", args=[purchase.pk])).status_code == 404
    assert client.get(reverse("purchase_edit", args=[purchase.pk])).status_code == 404


def test_other_buyer_gets_404_everywhere(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="awarded")
    other = b.buyer_user(b.buyer_org(name="宁波市第一医院"), username="buyer2")
    client.force_login(other)
    for name in (
        "purchase_detail",
        "purchase_edit",
        "purchase_notice",
        "purchase_justify",
        "purchase_award",
        "purchase_contract",
    ):
        assert client.get(reverse(name, args=[purchase.pk])).status_code == 404, name
    assert (
        client.post(reverse("purchase_action", args=[purchase.pk]), {"action": "cancel", "reason": "x"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("purchase_document_upload", args=[purchase.pk]),
            {"type": "contract", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)},
        ).status_code
        == 404
    )
    assert purchase.number not in client.get(reverse("purchase_list")).content.decode()


def test_drafts_hidden_from_staff_and_supplier(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec)
    for user in (world.province_user, world.ent_hz_user):
        client.force_login(user)
        assert client.get(reverse("purchase_detail", args=[purchase.pk])).status_code == 404


def test_supplier_and_staff_cannot_act(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="notice")
    for user in (world.ent_hz_user, world.province_user):
        client.force_login(user)
        assert client.get(reverse("purchase_edit", args=[purchase.pk])).status_code == 403
        assert client.get(reverse("purchase_justify", args=[purchase.pk])).status_code == 403
        response = client.post(reverse("purchase_action", args=[purchase.pk]), {"action": "cancel", "reason": "x"})
        assert response.status_code == 403
    assert Purchase.objects.get(pk=purchase.pk).state == S.NOTICE


def test_new_purchase_only_for_buyers(client, world):
    for user in (world.ent_hz_user, world.province_user):
        client.force_login(user)
        assert client.get(reverse("purchase_new")).status_code == 403


def test_list_forbidden_for_other_roles(client, world):
    client.force_login(world.expert_user)
    assert client.get(reverse("purchase_list")).status_code == 403


@pytest.mark.parametrize("name", ["purchase_list", "purchase_new"])
def test_anonymous_goes_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_anonymous_detail_goes_to_login(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="notice")
    response = client.get(reverse("purchase_detail", args=[purchase.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_step_not_open_redirects_with_message(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec, state="notice")
    client.force_login(buyer)
    response = client.get(reverse("purchase_edit", args=[purchase.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("purchase_detail", args=[purchase.pk])


# --- the list --------------------------------------------------------------------------------------------------


def test_list_filters_search_and_export_link(client, world, buyer, rec):
    p1 = b.purchase(buyer, rec, state="notice", title="直线加速器采购")
    p2 = b.purchase(buyer, rec, method="open_tender", budget=Decimal("900000"), state="awarded", title="CT采购")
    client.force_login(buyer)
    html = client.get(reverse("purchase_list"), {"q": "直线"}).content.decode()
    assert p1.number in html and p2.number not in html
    html = client.get(reverse("purchase_list"), {"state": "awarded"}).content.decode()
    assert p2.number in html and p1.number not in html
    html = client.get(reverse("purchase_list"), {"method": "open_tender"}).content.decode()
    assert f'href="{reverse("purchase_export")}?method=open_tender"' in html
    html = client.get(reverse("purchase_list"), {"q": "不存在的项目"}).content.decode()
    assert 'data-testid="empty"' in html


def test_list_bad_filter_is_named_others_apply(client, world, buyer, rec):
    b.purchase(buyer, rec)
    client.force_login(buyer)
    response = client.get(reverse("purchase_list"), {"year": "abc"})
    assert response.status_code == 200 and 'data-field-error="year"' in response.content.decode()


def test_list_queries_do_not_grow_with_rows(client, world, buyer, rec):
    client.force_login(world.province_user)
    b.purchase(buyer, rec, state="notice")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("purchase_list")).status_code == 200
        return len(ctx)

    one = count()
    for i in range(19):
        b.purchase(
            buyer,
            rec,
            state="awarded" if i % 2 else "notice",
            method="open_tender" if i % 2 else "single_source",
            budget=Decimal("900000") if i % 2 else Decimal("5000000"),
        )
    assert count() == one


def test_preview_warns_for_a_year_the_calendar_does_not_know(client, world, buyer, rec, monkeypatch):
    purchase = b.purchase(buyer, rec)
    client.force_login(buyer)
    # A start is at most a year ahead; widen that here to reach a year the calendar surely does not know.
    monkeypatch.setattr("procurement.services.notices.MAX_START_AHEAD", dt.timedelta(days=3650))
    response = client.get(
        reverse("purchase_notice", args=[purchase.pk]),
        {"preview": "1", "starts_at": "2031-03-03T09:00", "working_days": "5"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="calendar-warning"' in html and "2031" in html
    response = client.get(
        reverse("purchase_notice", args=[purchase.pk]), {"preview": "1", "starts_at": "", "working_days": "2"}
    )
    assert 'data-testid="period-preview"' not in response.content.decode()


def test_buyer_of_two_organisations_chooses_one(client, world, rec):
    first = b.buyer_org()
    second = b.buyer_org(name="浙江省肿瘤医院")
    user = b.buyer_user(first)
    from accounts.models import Membership

    Membership.objects.create(user=user, organisation=second, role=Membership.Role.BUYER)
    client.force_login(user)
    url = reverse("purchase_new") + f"?recognition={rec.pk}"
    response = client.post(url, _purchase_data())
    assert response.status_code == 400 and 'data-field-error="buyer"' in response.content.decode()
    assert not Purchase.objects.exists()
    response = client.post(url, _purchase_data(buyer=str(second.pk)))
    assert response.status_code == 302 and Purchase.objects.get().buyer == second


# --- review: bad input answers a field error or 404, never a 500 ------------------------------------------------


@pytest.mark.parametrize("bad", ["²", "1²", "١"])
def test_new_purchase_with_a_recognition_id_of_other_digits_is_404(client, world, buyer, rec, bad):
    client.force_login(buyer)
    assert client.get(reverse("purchase_new"), {"recognition": bad}).status_code == 404
    assert client.post(reverse("purchase_new") + f"?recognition={bad}", _purchase_data()).status_code == 404
    assert not Purchase.objects.exists()


def test_a_notice_start_years_ahead_is_a_field_error_on_the_page_and_its_preview(client, world, buyer, rec):
    purchase = b.purchase(buyer, rec)
    client.force_login(buyer)
    url = reverse("purchase_notice", args=[purchase.pk])
    response = client.post(url, _notice_data(starts_at="9999-12-31T12:00"))
    assert response.status_code == 400
    assert 'data-field-error="starts_at"' in response.content.decode()
    assert not SingleSourceNotice.objects.exists()
    preview = client.get(url, {"preview": "1", "starts_at": "9999-12-31T12:00", "working_days": "5"})
    assert preview.status_code == 200 and 'data-testid="period-preview"' not in preview.content.decode()
