"""The recognition API: recognise, list and detail by scope, revoke, reissue, ready items; errors name fields."""

import pytest
from django.utils import timezone

from recognition.models import Certificate, Recognition

from .recognition_builders import DECISION, closed_notice, objection, recognise

pytestmark = pytest.mark.django_db


def _recognise_body(notice, items, **extra):
    return {"notice": notice.pk, "item_ids": [i.pk for i in items], "decision_number": DECISION,
            "decision_date": timezone.localdate().isoformat(), **extra}


def test_staff_recognise_through_the_api_and_a_repeat_creates_nothing(client, world):
    notice, items = closed_notice(world, levels=("domestic", "provincial"))
    client.force_login(world.province_user)

    ready = client.get(f"/api/v1/recognitions/notices/{notice.pk}/ready/").json()
    assert [row["id"] for row in ready] == [i.pk for i in items]
    response = client.post("/api/v1/recognitions/recognise/", _recognise_body(notice, items),
                           content_type="application/json")
    assert response.status_code == 201
    assert [r["certificate_number"] for r in response.json()] == ["ZJ-2026-D-0001", "ZJ-2026-P-0001"]
    again = client.post("/api/v1/recognitions/recognise/", _recognise_body(notice, items),
                        content_type="application/json")
    assert again.status_code == 201 and again.json() == []
    assert Recognition.objects.count() == 2 and Certificate.objects.count() == 2
    assert client.get(f"/api/v1/recognitions/notices/{notice.pk}/ready/").json() == []


def test_recognise_errors_name_the_field_and_write_nothing(client, world):
    notice, items = closed_notice(world, levels=("domestic",))
    objection(items[0])
    client.force_login(world.province_user)
    response = client.post("/api/v1/recognitions/recognise/", {"notice": notice.pk, "item_ids": []},
                           content_type="application/json")
    assert response.status_code == 400
    assert {"item_ids", "decision_number", "decision_date"} <= set(response.json()["error"]["fields"])
    response = client.post("/api/v1/recognitions/recognise/", _recognise_body(notice, items),
                           content_type="application/json")
    assert response.status_code == 400
    assert "异议" in response.json()["error"]["fields"]["item_ids"][0]
    assert not Recognition.objects.exists()


@pytest.mark.parametrize("who", ["ent_hz_user", "hz_user", "finance_user"])
def test_only_staff_recognise(client, world, who):
    notice, items = closed_notice(world, levels=("domestic",))
    client.force_login(getattr(world, who))
    response = client.post("/api/v1/recognitions/recognise/", _recognise_body(notice, items),
                           content_type="application/json")
    assert response.status_code == 403
    assert client.get(f"/api/v1/recognitions/notices/{notice.pk}/ready/").status_code == 404
    assert not Recognition.objects.exists()


def test_the_list_is_scoped_and_the_detail_404s_outside_the_scope(client, world):
    hz_notice, hz_items = closed_notice(world, levels=("domestic",))
    nb_notice, nb_items = closed_notice(world, levels=("domestic",), enterprise=world.ent_nb)
    (hz,) = recognise(world, hz_notice, hz_items)
    (nb,) = recognise(world, nb_notice, nb_items)

    client.force_login(world.province_user)
    assert {r["id"] for r in client.get("/api/v1/recognitions/").json()["results"]} == {hz.pk, nb.pk}
    client.force_login(world.ent_hz_user)
    assert [r["id"] for r in client.get("/api/v1/recognitions/").json()["results"]] == [hz.pk]
    assert client.get(f"/api/v1/recognitions/{nb.pk}/").status_code == 404
    client.force_login(world.hz_user)
    assert [r["id"] for r in client.get("/api/v1/recognitions/").json()["results"]] == [hz.pk]
    client.force_login(world.expert_user)
    assert client.get("/api/v1/recognitions/").status_code == 403
    client.logout()
    assert client.get("/api/v1/recognitions/").status_code == 401


def test_the_list_filters(client, world):
    notice, items = closed_notice(world, levels=("domestic", "provincial"))
    dom, prov = recognise(world, notice, items)
    client.force_login(world.province_user)
    assert [r["id"] for r in client.get("/api/v1/recognitions/?level=provincial").json()["results"]] == [prov.pk]
    assert [r["id"] for r in client.get(f"/api/v1/recognitions/?q={dom.product_name}").json()["results"]] == [dom.pk]
    assert client.get("/api/v1/recognitions/?status=nonsense").status_code == 400


def test_the_list_takes_the_same_queries_at_1_and_20_rows(client, world, django_assert_max_num_queries):
    notice, items = closed_notice(world, levels=("domestic",))
    recognise(world, notice, items)
    client.force_login(world.province_user)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/recognitions/")
    more, more_items = closed_notice(world, levels=("domestic",) * 19)
    recognise(world, more, more_items)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get("/api/v1/recognitions/").json()["results"]) == 20


def test_revoke_and_reissue_through_the_api(client, world):
    notice, items = closed_notice(world, levels=("domestic",))
    (rec,) = recognise(world, notice, items)
    client.force_login(world.province_user)

    response = client.post(f"/api/v1/recognitions/{rec.pk}/reissue/", {"reason": "更正", "product_name": "新名称"},
                           content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["product_name"] == "新名称"
    assert [(c["version"], c["current"]) for c in body["certificates"]] == [(2, True), (1, False)]

    bad = client.post(f"/api/v1/recognitions/{rec.pk}/revoke/", {"reason": ""}, content_type="application/json")
    assert bad.status_code == 400
    assert {"reason", "document_number"} <= set(bad.json()["error"]["fields"])
    ok = client.post(f"/api/v1/recognitions/{rec.pk}/revoke/", {"reason": "虚假", "document_number": "撤〔2026〕1号"},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "revoked"
    again = client.post(f"/api/v1/recognitions/{rec.pk}/revoke/", {"reason": "虚假", "document_number": "撤"},
                        content_type="application/json")
    assert again.status_code == 400

    client.force_login(world.ent_hz_user)
    assert client.post(f"/api/v1/recognitions/{rec.pk}/reissue/", {"reason": "x"},
                       content_type="application/json").status_code == 404
