"""Batches through the API: province staff create, edit, publish and close; everyone reads published ones."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Region
from audit.models import AuditEvent
from certification.models import Batch, BatchQuota
from tests.certification.helpers import wf_batch, wf_in_state


def _payload(**overrides):
    now = timezone.now()
    data = {
        "year": 2026, "name": "2026年度第二批", "categories": ["equipment", "software"],
        "equipment_forms": ["complete"],
        "opens_at": (now + dt.timedelta(days=1)).isoformat(), "closes_at": (now + dt.timedelta(days=20)).isoformat(),
        "recommend_deadline": (now + dt.timedelta(days=40)).isoformat(),
        "quotas": [{"city": r.pk, "quota": 3} for r in Region.objects.filter(level=Region.Level.CITY)],
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_batch_create_publish_close_by_province_staff(world, client):
    client.force_login(world.province_user)

    created = client.post("/api/v1/batches/", _payload(), content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["state"] == "draft" and body["state_label"] == "草稿"
    assert len(body["quotas"]) == Region.objects.filter(level=Region.Level.CITY).count()
    assert {q["used"] for q in body["quotas"]} == {0}

    patched = client.patch(f"/api/v1/batches/{body['id']}/", {"name": "改名后的批次"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["name"] == "改名后的批次"

    published = client.post(f"/api/v1/batches/{body['id']}/publish/")
    assert published.status_code == 200 and published.json()["state"] == "open"
    closed = client.post(f"/api/v1/batches/{body['id']}/close/")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert AuditEvent.objects.filter(object_type="certification.Batch", object_id=str(body["id"])).count() == 4


@pytest.mark.django_db
def test_batch_bad_input_answers_400_with_fields_and_writes_nothing(world, client):
    client.force_login(world.province_user)
    now = timezone.now()

    response = client.post("/api/v1/batches/", _payload(categories=["bogus"],
                                                         closes_at=(now - dt.timedelta(days=5)).isoformat()),
                           content_type="application/json")

    assert response.status_code == 400
    assert "categories" in response.json()["error"]["fields"]
    assert Batch.objects.count() == 0 and BatchQuota.objects.count() == 0

    response = client.post("/api/v1/batches/", _payload(closes_at=(now - dt.timedelta(days=5)).isoformat()),
                           content_type="application/json")
    assert response.status_code == 400
    assert "closes_at" in response.json()["error"]["fields"]
    assert Batch.objects.count() == 0


@pytest.mark.parametrize("who", ["hz_user", "binjiang_user", "ent_hz_user", "finance_user"])
@pytest.mark.django_db
def test_batch_management_is_for_province_staff_only(world, client, who):
    batch = wf_batch(world.province_user)
    client.force_login(getattr(world, who))

    assert client.post("/api/v1/batches/", _payload(), content_type="application/json").status_code == 403
    assert client.patch(f"/api/v1/batches/{batch.pk}/", {"notes": "x"},
                        content_type="application/json").status_code == 403
    assert client.post(f"/api/v1/batches/{batch.pk}/close/").status_code == 403
    assert Batch.objects.get(pk=batch.pk).state == "open"


@pytest.mark.django_db
def test_draft_batches_are_invisible_outside_the_province(world, client):
    client.force_login(world.province_user)
    draft_id = client.post("/api/v1/batches/", _payload(), content_type="application/json").json()["id"]
    client.force_login(world.ent_hz_user)

    assert client.get(f"/api/v1/batches/{draft_id}/").status_code == 404
    assert draft_id not in [b["id"] for b in client.get("/api/v1/batches/").json()["results"]]
    assert client.post(f"/api/v1/batches/{draft_id}/publish/").status_code == 404


@pytest.mark.django_db
def test_batch_quotas_show_used_counts_in_constant_queries(world, client, django_assert_max_num_queries):
    batch = wf_batch(world.province_user)
    wf_in_state(world, batch, "formal_review")
    for i in range(2):
        wf_batch(world.province_user, name=f"另一批次{i}")
    client.force_login(world.hz_user)

    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/batches/")

    rows = {b["id"]: b for b in response.json()["results"]}
    hz = Region.objects.get(code="3301")
    used = {q["city"]: q["used"] for q in rows[batch.pk]["quotas"]}
    assert used[hz.pk] == 1
    assert sum(used.values()) == 1
