"""The application list: filters, Chinese search, ordering, pagination, per-row actions and labels, and a
constant number of queries whatever the page size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certification.models import Application
from tests import factories as f
from tests.certification.helpers import wf_batch, wf_draft, wf_in_state, wf_submitted


def _bulk(world, batch, n, *, start=0, state="city_review", enterprise=None, **overrides):
    """n submitted applications as plain rows (fast), for list sizes."""
    enterprise = enterprise or world.ent_hz
    now = timezone.now()
    rows = [
        Application(
            batch=batch, enterprise=enterprise, region=enterprise.region, city=enterprise.region.parent,
            number=f"2026-9{i:04d}", state=state, product_name=f"批量产品{i}", model_spec=f"M-{i}",
            category="equipment", equipment_form="complete", declared_level="provincial", field="robotics",
            created_by=world.ent_hz_user, submitted_at=now - dt.timedelta(minutes=i), **overrides,
        )
        for i in range(start, start + n)
    ]
    return Application.objects.bulk_create(rows)


def _ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("who", ["province_user", "hz_user", "binjiang_user", "ent_hz_user"])
@pytest.mark.django_db
def test_list_queries_do_not_grow_with_the_page(world, client, django_assert_num_queries, who):
    batch = wf_batch(world.province_user)
    _bulk(world, batch, 1)
    client.force_login(getattr(world, who))
    client.get("/api/v1/applications/")  # warm the session and content types
    with CaptureQueriesContext(connection) as one:
        assert len(_ids(client.get("/api/v1/applications/?page_size=50&ordering=-submitted_at"))) == 1
    _bulk(world, batch, 24, start=1)
    _bulk(world, batch, 25, start=25, enterprise=f.OrganisationFactory(region=world.ent_hz.region))

    with django_assert_num_queries(len(one.captured_queries)):
        rows = client.get("/api/v1/applications/?page_size=50&ordering=-submitted_at").json()["results"]
    assert len(rows) == (25 if who == "ent_hz_user" else 50)
    assert all(row["actions"] is not None and row["state_label"] for row in rows)


@pytest.mark.django_db
def test_list_rows_carry_the_users_actions_and_label(world, client):
    batch = wf_batch(world.province_user)
    app = wf_in_state(world, batch, "city_review")

    client.force_login(world.hz_user)
    hz_row = client.get("/api/v1/applications/").json()["results"][0]
    client.force_login(world.ent_hz_user)
    ent_row = client.get("/api/v1/applications/").json()["results"][0]
    client.force_login(world.province_user)
    prov_row = client.get("/api/v1/applications/").json()["results"][0]

    assert hz_row["id"] == ent_row["id"] == prov_row["id"] == app.pk
    assert hz_row["actions"] == ["city_recommend", "city_return", "city_decline"]
    assert ent_row["actions"] == ["withdraw"]
    assert prov_row["actions"] == []
    assert hz_row["state_label"] == "市级推荐审核"
    assert ent_row["state_label"] == "待设区市经信局推荐"
    assert hz_row["field_label"] == "机器人与智能制造装备" and hz_row["enterprise_name"] == "杭州测试科技有限公司"


@pytest.mark.django_db
def test_list_filters_search_and_ordering(world, client):
    batch = wf_batch(world.province_user)
    other_batch = wf_batch(world.province_user, name="另一批次")
    hz = wf_submitted(world.ent_hz_user, world.ent_hz, batch, product_name="智能纺织印染一体机", field="textile")
    nb = wf_submitted(world.ent_nb_user, world.ent_nb, batch, product_name="船用低速柴油机", model_spec="NB-6S",
                      category="new_material", equipment_form="", declared_level="international", field="ships")
    nb2 = wf_submitted(world.ent_nb_user, world.ent_nb, other_batch, product_name="船用推进器")
    client.force_login(world.province_user)
    url = "/api/v1/applications/"

    assert set(_ids(client.get(url, {"batch": batch.pk}))) == {hz.pk, nb.pk}
    assert _ids(client.get(url, {"city": nb.city_id, "batch": batch.pk})) == [nb.pk]
    assert _ids(client.get(url, {"region": hz.region_id})) == [hz.pk]
    assert _ids(client.get(url, {"state": "county_review"})) == [hz.pk]
    assert set(_ids(client.get(url, {"state": "city_review"}))) == {nb.pk, nb2.pk}
    assert _ids(client.get(url, {"category": "new_material"})) == [nb.pk]
    assert _ids(client.get(url, {"declared_level": "international"})) == [nb.pk]
    assert _ids(client.get(url, {"field": "textile"})) == [hz.pk]
    assert set(_ids(client.get(url, {"q": "船用"}))) == {nb.pk, nb2.pk}
    assert set(_ids(client.get(url, {"q": "宁波测试"}))) == {nb.pk, nb2.pk}  # enterprise name
    assert _ids(client.get(url, {"q": "NB-6S"})) == [nb.pk]
    assert _ids(client.get(url, {"q": hz.number, "batch": batch.pk})) == [hz.pk]
    assert _ids(client.get(url, {"ordering": "product_name", "batch": batch.pk})) == sorted(
        [hz.pk, nb.pk], key=lambda pk: Application.objects.get(pk=pk).product_name)
    assert _ids(client.get(url, {"ordering": "-submitted_at"})) == [nb2.pk, nb.pk, hz.pk]
    names = [r["enterprise_name"] for r in client.get(url, {"ordering": "-enterprise_name"}).json()["results"]]
    assert names == sorted(names, reverse=True)


@pytest.mark.django_db
def test_list_bad_filter_answers_400_naming_it(world, client):
    client.force_login(world.province_user)

    response = client.get("/api/v1/applications/", {"state": "flying", "batch": "abc"})

    assert response.status_code == 400
    assert {"state", "batch"} <= set(response.json()["error"]["fields"])


@pytest.mark.django_db
def test_list_paginates_up_to_100(world, client):
    batch = wf_batch(world.province_user)
    _bulk(world, batch, 105)
    client.force_login(world.province_user)

    first = client.get("/api/v1/applications/?page_size=500").json()
    default = client.get("/api/v1/applications/").json()

    assert first["count"] == 105 and len(first["results"]) == 100 and first["next"]
    assert len(default["results"]) == 20


@pytest.mark.django_db
def test_drafts_are_invisible_to_bureaus(world, client):
    batch = wf_batch(world.province_user)
    draft = wf_draft(world.ent_hz_user, world.ent_hz, batch)
    for who in ["binjiang_user", "hz_user", "province_user"]:
        client.force_login(getattr(world, who))
        assert draft.pk not in _ids(client.get("/api/v1/applications/"))
        assert client.get(f"/api/v1/applications/{draft.pk}/").status_code == 404
