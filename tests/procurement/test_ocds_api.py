"""OCDS through the API: GET /api/v1/procurement/purchases/<id>/ocds/ (one record, public or in the caller's
scope) and GET /api/v1/procurement/ocds/ (every public record, streamed), both validating against OCDS 1.1."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from procurement.models import Purchase
from tests.procurement.builders import buyer_org, buyer_user, purchase, recognition_for
from tests.procurement.ocds_validation import assert_valid_package

S = Purchase.State
API = "/api/v1/procurement/"


@pytest.fixture
def buyer(world):
    return buyer_user(buyer_org())


@pytest.fixture
def rec(world):
    return recognition_for(world.ent_hz)


def _streamed(response):
    assert response.streaming
    return json.loads(b"".join(response.streaming_content))


def test_anyone_reads_the_package_of_a_public_purchase(client, buyer, rec):
    p = purchase(buyer, rec, state=S.NOTICE)

    response = client.get(f"{API}purchases/{p.pk}/ocds/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    package = response.json()
    assert_valid_package(package)
    assert package["uri"] == f"http://127.0.0.1:8000/api/v1/procurement/purchases/{p.pk}/ocds/"
    assert [r["ocid"] for r in package["releases"]] == [f"ocds-zjsgtt-{p.number}"]
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_draft_is_404_for_the_public_and_other_users(world, client, buyer, rec):
    draft = purchase(buyer, rec, state=S.DRAFT)
    url = f"{API}purchases/{draft.pk}/ocds/"

    assert client.get(url).status_code == 404
    client.force_login(buyer_user(buyer_org(name="另一家医院"), username="other_buyer"))
    assert client.get(url).status_code == 404
    client.force_login(world.province_user)  # province staff see purchases past draft only
    assert client.get(url).status_code == 404
    assert client.get(f"{API}purchases/999999/ocds/").status_code == 404
    assert client.get(f"{API}purchases/{'9' * 30}/ocds/").status_code == 404


def test_the_buyer_reads_its_own_draft_privately(client, buyer, rec):
    draft = purchase(buyer, rec, state=S.DRAFT)
    client.force_login(buyer)

    response = client.get(f"{API}purchases/{draft.pk}/ocds/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    package = response.json()
    assert_valid_package(package)
    assert package["releases"][0]["tag"] == ["planning"]


def test_the_full_package_streams_every_public_purchase(client, buyer, rec):
    public = [purchase(buyer, rec, state=s) for s in (S.NOTICE, S.AWARDED, S.COMPLETED)]
    public.append(
        purchase(buyer, rec, state=S.CONTRACTED, method="other", method_details="竞争性谈判", budget=Decimal("1200000"))
    )
    purchase(buyer, rec, state=S.DRAFT)
    client.force_login(buyer)  # signed in or not: only public records

    response = client.get(f"{API}ocds/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    package = _streamed(response)
    assert_valid_package(package)
    assert sorted(r["ocid"] for r in package["releases"]) == sorted(f"ocds-zjsgtt-{p.number}" for p in public)
    assert package["uri"] == "http://127.0.0.1:8000/api/v1/procurement/ocds/"


def test_the_full_package_by_year(client, buyer, rec):
    p = purchase(buyer, rec, state=S.AWARDED)
    year = p.created_at.year
    old = purchase(buyer, rec, state=S.AWARDED)
    Purchase.objects.filter(pk=old.pk).update(created_at=p.created_at.replace(year=year - 3))

    package = _streamed(client.get(f"{API}ocds/", {"year": year}))

    assert_valid_package(package)
    assert [r["ocid"] for r in package["releases"]] == [f"ocds-zjsgtt-{p.number}"]
    assert package["uri"].endswith(f"/api/v1/procurement/ocds/?year={year}")
    assert client.get(f"{API}ocds/", {"year": year - 10}).status_code == 404  # no release: no package
    for bad in ("20x6", "1999", "26", "２０２６"):
        response = client.get(f"{API}ocds/", {"year": bad})
        assert response.status_code == 400, bad
        assert "year" in json.dumps(response.json())


def test_no_public_purchase_answers_404(client, buyer, rec):
    purchase(buyer, rec, state=S.DRAFT)

    response = client.get(f"{API}ocds/")

    assert response.status_code == 404


@override_settings(OCDS_OCID_PREFIX="ocds-test99")
def test_the_prefix_setting_reaches_the_api(client, buyer, rec):
    p = purchase(buyer, rec, state=S.AWARDED)

    package = _streamed(client.get(f"{API}ocds/"))

    assert package["releases"][0]["ocid"] == f"ocds-test99-{p.number}"


def test_the_schema_lists_the_ocds_routes_and_validates(world, client, capsys):
    client.force_login(world.province_user)

    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/procurement/purchases/{id}/ocds/", "/api/v1/procurement/ocds/"} <= set(paths)
    year = paths["/api/v1/procurement/ocds/"]["get"]["parameters"]
    assert [p["name"] for p in year] == ["year"]
    assert "application/json" in paths["/api/v1/procurement/ocds/"]["get"]["responses"]["200"]["content"]
    # The generator's own validation (openapi-spec-validator) with our views: no warning or error about them.
    call_command("spectacular", "--validate", "--file", "/dev/null")
    output = capsys.readouterr()
    assert "ocds" not in (output.out + output.err).lower()
