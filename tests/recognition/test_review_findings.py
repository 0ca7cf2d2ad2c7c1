"""Defects found in review of notices, objections, recognitions, certificates and verification: each test failed
before its fix."""

import pytest
from django.test import override_settings

from recognition import checks, pdf_notice
from recognition.models import NoticeItem

from .builders import published_notice
from .recognition_builders import closed_notice, recognise

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def rec(world, django_capture_on_commit_callbacks):
    notice, items = closed_notice(world, levels=("domestic",))
    with django_capture_on_commit_callbacks(execute=True):
        (rec,) = recognise(world, notice, items)
    return rec


# --- verification: public input ---------------------------------------------------------------------------


def test_verify_form_with_a_slash_in_the_number_answers_not_found_not_500(client):
    response = client.get("/verify/", {"number": "ZJ/2026-D-0001"})

    assert response.status_code == 404
    assert 'data-testid="verify-not-found"' in response.content.decode()


def test_verify_form_with_only_invisible_characters_answers_not_found_not_500(client):
    response = client.get("/verify/", {"number": "\u200b\u200b"})

    assert response.status_code == 404


def test_verify_with_a_nul_in_the_number_answers_404_not_500(client, rec):
    # PostgreSQL refuses a NUL in a query (500 before the fix); SQLite answered 404.
    assert client.get("/verify/%00ZJ/").status_code == 404
    assert client.get(f"{API}/verify/%00ZJ/").status_code == 404


def test_verify_accepts_a_number_typed_in_full_width_characters(client, rec):
    full_width = rec.certificate_number.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})

    response = client.get("/verify/", {"number": full_width})

    assert response.status_code == 302
    assert response["Location"] == f"/verify/{rec.certificate_number}/"
    assert client.get(f"/verify/{full_width}/").status_code == 200


# --- staff API filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [f"{API}/notices/?batch=99999999999999999999999",
                                 f"{API}/objections/?notice=99999999999999999999999"])
def test_staff_api_filters_with_an_id_too_large_answer_400_not_500(world, client, url):
    client.force_login(world.province_user)

    assert client.get(url).status_code == 400


# --- the public notice PDF ----------------------------------------------------------------------------------


def test_public_notice_pdf_is_rendered_once_and_again_only_after_a_change(world, client, monkeypatch):
    notice, _apps = published_notice(world, 2)
    renders = []
    real = pdf_notice.write_pdf
    monkeypatch.setattr(pdf_notice, "write_pdf", lambda html: renders.append(1) or real(html))

    first = client.get(f"/notices/{notice.pk}/notice.pdf")
    for _i in range(3):
        again = client.get(f"/notices/{notice.pk}/notice.pdf")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(renders) == 1  # before the fix: one WeasyPrint run (about a second for 50 items) per request

    item = notice.items.first()
    NoticeItem.objects.filter(pk=item.pk).update(state=NoticeItem.State.REMOVED)
    changed = client.get(f"/notices/{notice.pk}/notice.pdf")
    assert changed.content != first.content
    assert len(renders) == 2


# --- rate limits ------------------------------------------------------------------------------------------


def _objection_form(item, n):
    return {"item": item.pk, "name": "李四", "phone": "13812345678", "content": f"第{n}条异议。"}


def test_objection_rate_limit_counts_an_ipv6_client_by_its_64_network(world, client):
    notice, _apps = published_notice(world, 1)
    item = notice.items.get()
    url = f"/notices/{notice.pk}/objection/"
    for n in range(5):
        assert client.post(url, _objection_form(item, n), REMOTE_ADDR=f"2001:db8:1:2::{n + 1}").status_code == 302

    # A new address in the same /64 (any client can take one) is still the same subscriber.
    assert client.post(url, _objection_form(item, 9), REMOTE_ADDR="2001:db8:1:2:ffff::1").status_code == 429
    assert client.post(url, _objection_form(item, 9), REMOTE_ADDR="2001:db8:1:3::1").status_code == 302


def test_rate_limit_is_not_bypassed_by_a_forged_x_forwarded_for(world, client, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    notice, _apps = published_notice(world, 1)
    item = notice.items.get()
    url = f"/notices/{notice.pk}/objection/"
    for n in range(5):
        forged = f"10.9.9.{n}, 203.0.113.7"  # the client wrote the first, the proxy appended the second
        assert client.post(url, _objection_form(item, n), HTTP_X_FORWARDED_FOR=forged).status_code == 302

    assert client.post(url, _objection_form(item, 6), HTTP_X_FORWARDED_FOR="10.9.9.99, 203.0.113.7").status_code == 429


# --- deployment: the QR code's address --------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://rd.example.gov.cn", "https://localhost"])
def test_check_deploy_warns_when_site_url_would_put_a_useless_qr_code_on_certificates(url):
    with override_settings(SITE_URL=url):
        assert [w.id for w in checks.site_url_check()] == ["recognition.W001"]


def test_check_deploy_accepts_a_public_https_site_url():
    with override_settings(SITE_URL="https://rd.example.gov.cn"):
        assert checks.site_url_check() == []
