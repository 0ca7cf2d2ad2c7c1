"""Staff pages (认定, list, detail with reissue and revocation) and the enterprise's 我的认定."""

import pytest
from django.utils import timezone

from recognition.models import Certificate, Recognition

from .recognition_builders import DECISION, closed_notice, objection, recognise

pytestmark = pytest.mark.django_db


def test_the_recognise_page_lists_ready_items_and_recognises_the_checked_ones(client, world):
    notice, items = closed_notice(world, levels=("domestic", "domestic", "provincial"))
    objection(items[2])
    client.force_login(world.province_user)

    page = client.get(f"/recognitions/notices/{notice.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'value="{items[0].pk}"' in html and f'value="{items[1].pk}"' in html
    assert f'value="{items[2].pk}"' not in html
    assert 'data-testid="blocked-items"' in html

    response = client.post(f"/recognitions/notices/{notice.pk}/", {
        "item_ids": [items[0].pk], "decision_number": DECISION, "decision_date": timezone.localdate().isoformat()})
    assert response.status_code == 302
    rec = Recognition.objects.get()
    assert rec.notice_item_id == items[0].pk
    assert rec.certificate_number == "ZJ-2026-D-0001"


def test_the_recognise_form_names_missing_fields(client, world):
    notice, _items = closed_notice(world, levels=("domestic",))
    client.force_login(world.province_user)
    response = client.post(f"/recognitions/notices/{notice.pk}/", {"decision_number": ""})
    html = response.content.decode()
    assert 'data-field-error="item_ids"' in html
    assert 'data-field-error="decision_number"' in html
    assert 'data-field-error="decision_date"' in html
    assert not Recognition.objects.exists()


@pytest.mark.parametrize("who", ["ent_hz_user", "hz_user", "finance_user"])
def test_staff_pages_are_404_for_others(client, world, who):
    notice, items = closed_notice(world, levels=("domestic",))
    (rec,) = recognise(world, notice, items)
    client.force_login(getattr(world, who))
    assert client.get(f"/recognitions/notices/{notice.pk}/").status_code == 404
    assert client.post(f"/recognitions/{rec.pk}/revoke/", {"reason": "x", "document_number": "y"}).status_code == 404
    assert client.post(f"/recognitions/{rec.pk}/reissue/", {"reason": "x"}).status_code == 404
    assert Recognition.objects.get(pk=rec.pk).status == "valid"


def test_the_list_filters_by_level_status_and_search(client, world):
    notice, items = closed_notice(world, levels=("domestic", "provincial"))
    dom, prov = recognise(world, notice, items)
    client.force_login(world.province_user)

    html = client.get("/recognitions/", {"level": "provincial"}).content.decode()
    assert prov.certificate_number in html and dom.certificate_number not in html
    html = client.get("/recognitions/", {"q": dom.product_name}).content.decode()
    assert dom.certificate_number in html and prov.certificate_number not in html
    html = client.get("/recognitions/", {"status": "revoked"}).content.decode()
    assert dom.certificate_number not in html
    html = client.get("/recognitions/", {"batch": notice.batch_id}).content.decode()
    assert 'data-testid="batch-zip"' in html


def test_the_detail_page_revokes_with_reason_and_document(client, world):
    notice, items = closed_notice(world, levels=("domestic",))
    (rec,) = recognise(world, notice, items)
    client.force_login(world.province_user)
    assert 'data-testid="revoke-form"' in client.get(f"/recognitions/{rec.pk}/").content.decode()

    bad = client.post(f"/recognitions/{rec.pk}/revoke/", {"reason": "", "document_number": ""})
    assert bad.status_code == 400
    assert 'data-field-error="reason"' in bad.content.decode()

    ok = client.post(f"/recognitions/{rec.pk}/revoke/", {"reason": "虚假材料", "document_number": "浙经信〔2026〕1号"})
    assert ok.status_code == 302
    html = client.get(f"/recognitions/{rec.pk}/").content.decode()
    assert 'data-testid="revoked"' in html and "浙经信〔2026〕1号" in html


def test_the_detail_page_reissues_with_a_correction(client, world):
    notice, items = closed_notice(world, levels=("domestic",))
    (rec,) = recognise(world, notice, items)
    client.force_login(world.province_user)
    response = client.post(f"/recognitions/{rec.pk}/reissue/", {
        "reason": "型号笔误", "enterprise_name": rec.enterprise_name, "enterprise_uscc": rec.enterprise_uscc,
        "product_name": rec.product_name, "model_spec": "T-1A"})
    assert response.status_code == 302
    assert list(Certificate.objects.filter(recognition=rec).values_list("version", "current")) == [
        (2, True), (1, False)]
    assert Recognition.objects.get(pk=rec.pk).model_spec == "T-1A"


def test_my_recognitions_lists_only_the_enterprise_s_own(client, world, django_capture_on_commit_callbacks):
    notice, items = closed_notice(world, levels=("domestic",))
    _other_notice, other_items = closed_notice(world, levels=("domestic",), enterprise=world.ent_nb)
    with django_capture_on_commit_callbacks(execute=True):
        (mine,) = recognise(world, notice, items)
    (theirs,) = recognise(world, _other_notice, other_items)
    client.force_login(world.ent_hz_user)
    html = client.get("/recognitions/mine/").content.decode()
    assert mine.certificate_number in html and theirs.certificate_number not in html
    cert = Certificate.objects.get(recognition=mine)
    assert f"/certificates/{cert.pk}/download/" in html
    assert client.get("/recognitions/").status_code == 302  # an enterprise is sent to its own list
    assert client.get(f"/recognitions/{theirs.pk}/").status_code == 404
