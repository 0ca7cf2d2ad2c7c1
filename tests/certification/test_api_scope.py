"""Who sees and changes which applications through the API (list, detail, writes, revisions, export):
out of scope answers 404 and leaks nothing; drafts are the enterprise's alone."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from certification.models import Application
from tests import factories as f
from tests.certification.helpers import wf_batch, wf_draft, wf_submitted

JSON = "application/json"


@pytest.fixture
def apps(world):
    """An application of each enterprise (滨江, 萧山 — no county bureau, 宁波), submitted, plus drafts."""
    batch = wf_batch(world.province_user)
    xs_user = f.member(world.ent_hz_other_county, username="ent_xs")
    return {
        "batch": batch,
        "hz": wf_submitted(world.ent_hz_user, world.ent_hz, batch),
        "xs": wf_submitted(xs_user, world.ent_hz_other_county, batch, product_name="萧山的产品"),
        "nb": wf_submitted(world.ent_nb_user, world.ent_nb, batch, product_name="宁波的产品"),
        "hz_draft": wf_draft(world.ent_hz_user, world.ent_hz, batch, product_name="滨江草稿"),
        "nb_draft": wf_draft(world.ent_nb_user, world.ent_nb, batch, product_name="宁波草稿"),
    }


# who → the applications (keys of `apps`) they see
VISIBLE = {
    "ent_hz_user": {"hz", "hz_draft"},
    "ent_nb_user": {"nb", "nb_draft"},
    "binjiang_user": {"hz"},
    "hz_user": {"hz", "xs"},
    "nb_user": {"nb"},
    "province_user": {"hz", "xs", "nb"},
    "finance_user": {"hz", "xs", "nb"},
    "expert_user": set(),
}
ALL = ["hz", "xs", "nb", "hz_draft", "nb_draft"]


@pytest.mark.parametrize("who", list(VISIBLE))
@pytest.mark.django_db
def test_list_and_detail_show_exactly_the_users_scope(world, apps, client, who):
    client.force_login(getattr(world, who))
    expected = {apps[k].pk for k in VISIBLE[who]}

    listed = {row["id"] for row in client.get("/api/v1/applications/?page_size=100").json()["results"]}

    assert listed == expected
    for key in ALL:
        pk = apps[key].pk
        status = client.get(f"/api/v1/applications/{pk}/").status_code
        assert status == (200 if pk in expected else 404), key
        assert client.get(f"/api/v1/applications/{pk}/revisions/").status_code == (200 if pk in expected else 404)


@pytest.mark.django_db
def test_enterprise_cannot_read_change_or_act_on_another_enterprises_application(world, apps, client):
    client.force_login(world.ent_nb_user)
    for key in ["hz", "hz_draft"]:
        app = apps[key]
        url = f"/api/v1/applications/{app.pk}/"
        responses = [
            client.get(url),
            client.patch(url, {"product_name": "改掉别人的"}, content_type=JSON),
            client.post(url + "submit/"),
            client.post(url + "resubmit/"),
            client.post(url + "withdraw/", {"reason": "x"}, content_type=JSON),
            client.post(url + "decide/", {"action": "county_recommend"}, content_type=JSON),
            client.get(url + "revisions/1/diff/?against=1"),
        ]
        assert [r.status_code for r in responses] == [404] * len(responses), key
        fresh = Application.objects.get(pk=app.pk)
        assert (fresh.product_name, fresh.state) == (app.product_name, app.state)


@pytest.mark.django_db
def test_enterprise_cannot_create_for_another_enterprise(world, apps, client):
    client.force_login(world.ent_nb_user)
    before = Application.objects.count()

    response = client.post("/api/v1/applications/", {"batch": apps["batch"].pk, "enterprise": world.ent_hz.pk,
                                                     "product_name": "冒名申报", "model_spec": "X",
                                                     "category": "software", "declared_level": "domestic",
                                                     "field": "robotics"}, content_type=JSON)

    assert response.status_code == 403
    assert Application.objects.count() == before


@pytest.mark.django_db
def test_county_cannot_see_another_countys_application(world, apps, client):
    yuhang = f.member(f.bureau("county", "330108"), username="yuhang")
    ent = f.OrganisationFactory(region=f.region("330108"))
    yh_app = wf_submitted(f.member(ent), ent, apps["batch"], product_name="余杭的产品")
    client.force_login(world.binjiang_user)

    assert client.get(f"/api/v1/applications/{yh_app.pk}/").status_code == 404
    assert yh_app.pk not in {r["id"] for r in client.get("/api/v1/applications/").json()["results"]}
    client.force_login(yuhang)
    assert {r["id"] for r in client.get("/api/v1/applications/").json()["results"]} == {yh_app.pk}
    assert client.post(f"/api/v1/applications/{apps['hz'].pk}/decide/", {"action": "county_recommend"},
                       content_type=JSON).status_code == 404


def _exported_numbers(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "受理编号" and "产品名称" in rows[0]
    return {r[0] for r in rows[1:]}


@pytest.mark.parametrize("who", ["binjiang_user", "hz_user", "nb_user", "province_user"])
@pytest.mark.django_db
def test_export_holds_exactly_the_bureaus_scope(world, apps, client, who):
    client.force_login(getattr(world, who))

    numbers = _exported_numbers(client.get("/api/v1/applications/export.xlsx"))

    assert numbers == {apps[k].number for k in VISIBLE[who]}


@pytest.mark.django_db
def test_export_applies_the_list_filters(world, apps, client):
    client.force_login(world.province_user)

    numbers = _exported_numbers(client.get(f"/api/v1/applications/export.xlsx?q=宁波&city={apps['nb'].city_id}"))

    assert numbers == {apps["nb"].number}


@pytest.mark.parametrize("who", ["ent_hz_user", "expert_user", "finance_user"])
@pytest.mark.django_db
def test_export_is_refused_outside_the_industry_bureaus(world, apps, client, who):
    client.force_login(getattr(world, who))

    assert client.get("/api/v1/applications/export.xlsx").status_code == 403


@pytest.mark.django_db
def test_anonymous_gets_401(apps, client):
    assert client.get("/api/v1/applications/").status_code == 401
    assert client.get("/api/v1/applications/export.xlsx").status_code == 401
    assert client.get(f"/api/v1/applications/{apps['hz'].pk}/").status_code == 401


@pytest.mark.django_db
def test_token_clients_get_the_same_scope_and_actions(world, apps, client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.nb_user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}

    rows = client.get("/api/v1/applications/", **auth).json()["results"]
    decided = client.post(f"/api/v1/applications/{apps['nb'].pk}/decide/", {"action": "city_recommend"},
                          content_type=JSON, **auth)

    assert [(r["id"], r["actions"]) for r in rows] == [(apps["nb"].pk, ["city_recommend", "city_return",
                                                                        "city_decline"])]
    assert decided.status_code == 200 and decided.json()["state"] == "formal_review"
    assert client.get(f"/api/v1/applications/{apps['hz'].pk}/", **auth).status_code == 404
