"""Who sees which organisations and regions through the API, and how they authenticate."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from accounts.models import Region
from tests import factories as f

ALL_ORGS = [
    "province",
    "province_finance",
    "regulator",
    "hz",
    "nb",
    "binjiang",
    "ent_hz",
    "ent_hz_other_county",
    "ent_nb",
]

# user attribute of `world` → (organisations it sees, role codes /me/ reports)
SCOPES = {
    "province_user": (ALL_ORGS, ["province_staff"]),
    "finance_user": (ALL_ORGS, ["finance_staff"]),
    "regulator_user": (ALL_ORGS, ["regulator_staff"]),
    "hz_user": (["hz", "binjiang", "ent_hz", "ent_hz_other_county"], ["city_staff"]),
    "nb_user": (["nb", "ent_nb"], ["city_staff"]),
    "binjiang_user": (["binjiang", "ent_hz"], ["county_staff"]),
    "ent_hz_user": (["ent_hz"], ["enterprise"]),
    "ent_nb_user": (["ent_nb"], ["enterprise"]),
    "expert_user": ([], ["expert"]),
}


def _api_urls(world):
    county = Region.objects.get(code="330106")
    return [
        "/api/v1/me/",
        "/api/v1/organisations/",
        f"/api/v1/organisations/{world.ent_hz.pk}/",
        "/api/v1/regions/",
        f"/api/v1/regions/{county.pk}/",
        "/api/v1/notifications/",
        "/api/v1/notifications/unread-count/",
    ]


@pytest.mark.django_db
def test_api_anonymous_answers_401_on_every_read_endpoint(world, client):
    for url in _api_urls(world):
        response = client.get(url)

        assert response.status_code == 401, url
        assert response["WWW-Authenticate"].startswith("Token"), url
        assert response.json()["error"]["code"] == "not_authenticated", url


@pytest.mark.django_db
def test_api_anonymous_cannot_approve_or_create(world, client):
    pending = f.OrganisationFactory(status="pending")

    approve = client.post(f"/api/v1/organisations/{pending.pk}/approve/")
    create = client.post("/api/v1/organisations/", {"name": "x"}, content_type="application/json")

    assert approve.status_code == 401
    assert create.status_code == 401
    # refresh_from_db() cannot reassign the protected FSM status, so read the row afresh.
    assert type(pending).objects.get(pk=pending.pk).status == "pending"


@pytest.mark.parametrize("who", list(SCOPES))
@pytest.mark.django_db
def test_organisation_list_shows_exactly_the_users_scope(world, client, who):
    client.force_login(getattr(world, who))
    expected = {getattr(world, name).pk for name in SCOPES[who][0]}

    response = client.get("/api/v1/organisations/")

    assert response.status_code == 200
    body = response.json()
    assert {row["id"] for row in body["results"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize("who", list(SCOPES))
@pytest.mark.django_db
def test_organisation_detail_in_scope_200_out_of_scope_404(world, client, who):
    client.force_login(getattr(world, who))
    visible = set(SCOPES[who][0])

    for name in ALL_ORGS:
        org = getattr(world, name)

        response = client.get(f"/api/v1/organisations/{org.pk}/")

        if name in visible:
            assert response.status_code == 200, name
            assert response.json()["uscc"] == org.uscc
        else:
            assert response.status_code == 404, name
            assert response.json()["error"]["code"] == "not_found"
            assert org.name not in response.content.decode()


@pytest.mark.django_db
def test_organisation_detail_of_unknown_id_answers_404_like_out_of_scope(world, client):
    client.force_login(world.ent_hz_user)

    response = client.get("/api/v1/organisations/999999/")

    assert response.status_code == 404


@pytest.mark.parametrize("who", list(SCOPES))
@pytest.mark.django_db
def test_me_reports_the_users_role_codes(world, client, who):
    user = getattr(world, who)
    client.force_login(user)

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.pk
    assert body["username"] == user.username
    assert body["roles"] == SCOPES[who][1]
    assert [m["organisation"]["id"] for m in body["memberships"]] == [m.organisation_id for m in user.memberships.all()]


@pytest.mark.django_db
def test_me_for_expert_reports_profile_and_no_memberships(world, client):
    client.force_login(world.expert_user)

    body = client.get("/api/v1/me/").json()

    assert body["memberships"] == []
    assert body["expert"] == {"title": "正高级工程师", "fields": ["medical"], "employer": world.ent_nb.pk}


@pytest.mark.django_db
def test_me_for_superuser_adds_admin_role(world, client):
    admin = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)

    body = client.get("/api/v1/me/").json()

    assert body["roles"] == ["admin"]


@pytest.mark.parametrize("who", list(SCOPES))
@pytest.mark.django_db
def test_regions_are_readable_by_every_signed_in_role(world, client, who):
    client.force_login(getattr(world, who))
    county = Region.objects.get(code="330106")

    listing = client.get("/api/v1/regions/")
    detail = client.get(f"/api/v1/regions/{county.pk}/")

    assert listing.status_code == 200
    assert len(listing.json()) == 102
    assert detail.status_code == 200
    assert detail.json()["parent_code"] == "3301"


@pytest.mark.django_db
def test_regions_filter_by_level_and_parent(world, client):
    client.force_login(world.ent_hz_user)
    hangzhou = Region.objects.get(code="3301")

    cities = client.get("/api/v1/regions/", {"level": "city"}).json()
    hz_counties = client.get("/api/v1/regions/", {"parent": hangzhou.pk}).json()

    assert len(cities) == 11
    assert {r["parent_code"] for r in hz_counties} == {"3301"}
    assert len(hz_counties) == hangzhou.children.count()


@pytest.mark.django_db
def test_token_authentication_reads_the_token_users_scope(world, client):
    token = Token.objects.create(user=world.nb_user)

    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    orgs = client.get("/api/v1/organisations/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert me.status_code == 200
    assert me.json()["username"] == "nb"
    assert {row["id"] for row in orgs.json()["results"]} == {world.nb.pk, world.ent_nb.pk}


@pytest.mark.django_db
def test_token_authentication_with_unknown_token_answers_401(world, client):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert response.status_code == 401


@pytest.mark.django_db
def test_token_of_deactivated_user_answers_401(world, client):
    token = Token.objects.create(user=world.hz_user)
    world.hz_user.is_active = False
    world.hz_user.save()

    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 401


@pytest.mark.django_db
def test_organisation_list_search_stays_within_scope(world, client):
    client.force_login(world.nb_user)

    by_name = client.get("/api/v1/organisations/", {"q": "测试"}).json()
    by_code = client.get("/api/v1/organisations/", {"q": world.ent_hz.uscc.lower()}).json()

    assert {row["id"] for row in by_name["results"]} == {world.ent_nb.pk}
    assert by_code["results"] == []


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()


@pytest.mark.django_db
def test_organisation_list_queries_do_not_grow_with_rows(world, client, django_assert_num_queries):
    client.force_login(world.hz_user)
    url = "/api/v1/organisations/?page_size=100"
    small, body = _count_queries(client, url)
    assert body["count"] == 4
    for code in ("330102", "330106", "330108", "330109"):
        f.OrganisationFactory.create_batch(5, region=f.region(code))

    with django_assert_num_queries(small):
        response = client.get(url)

    assert response.json()["count"] == 24
