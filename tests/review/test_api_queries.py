"""The review lists answer in a number of queries that does not depend on their size: each is measured with
one row, grown, and measured again (results, assignments, the board, an application's sheets, the rounds,
and the expert's own assignments)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from review.models import ReviewRound
from review.services import rounds

from .api_helpers import API, bulk_scored
from .builders import closed_batch, experts, review_round

pytestmark = pytest.mark.django_db


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries), response


def _started_round(world, **settings):
    rr = review_round(world.province_user, closed_batch(world.province_user), experts_per_application=3, **settings)
    rounds.set_panels(actor=world.province_user, review_round=rr, rows=[{"name": "机器人组", "fields": ["robotics"]}])
    ReviewRound.objects.filter(pk=rr.pk).update(state=ReviewRound.State.STARTED)
    return ReviewRound.objects.get(pk=rr.pk)


def test_results_queries_do_not_grow_with_applications(world, client, django_assert_num_queries):
    rr = _started_round(world)
    people = experts(3)
    bulk_scored(world, rr, 1, people)
    client.force_login(world.province_user)
    url = f"{API}/rounds/{rr.pk}/results/?page_size=100"
    client.get(url)  # warm the session
    one, response = _count(client, url)
    assert response.json()["count"] == 1

    bulk_scored(world, rr, 49, people)
    with django_assert_num_queries(one):
        body = client.get(url).json()
    assert body["count"] == 50 and all(r["score"] is not None and r["rank"] for r in body["results"])


def test_results_export_queries_do_not_grow_with_applications(world, client, django_assert_num_queries):
    rr = _started_round(world)
    people = experts(3)
    bulk_scored(world, rr, 1, people)
    client.force_login(world.province_user)
    url = f"{API}/rounds/{rr.pk}/results/export/"
    client.get(url)
    one, _response = _count(client, url)

    bulk_scored(world, rr, 30, people)
    with django_assert_num_queries(one):
        assert client.get(url).status_code == 200


def test_assignment_list_queries_do_not_grow(world, client, django_assert_num_queries):
    rr = _started_round(world)
    people = experts(3)
    bulk_scored(world, rr, 1, people)
    client.force_login(world.province_user)
    url = f"{API}/rounds/{rr.pk}/assignments/?page_size=100"
    client.get(url)
    one, response = _count(client, url)
    assert response.json()["count"] == 3

    bulk_scored(world, rr, 20, people)
    with django_assert_num_queries(one):
        body = client.get(url).json()
    assert body["count"] == 63 and all(r["employer_name"] and r["sheet_total"] for r in body["results"])


def test_board_queries_do_not_grow_with_experts(world, client, django_assert_num_queries):
    rr = _started_round(world)
    bulk_scored(world, rr, 1, experts(1))
    client.force_login(world.province_user)
    url = f"{API}/rounds/{rr.pk}/board/"
    client.get(url)
    one, response = _count(client, url)
    assert len(response.json()["experts"]) == 1

    bulk_scored(world, rr, 3, experts(15))
    with django_assert_num_queries(one):
        body = client.get(url).json()
    assert len(body["experts"]) == 16


def test_application_sheets_queries_do_not_grow_with_sheets(world, client, django_assert_num_queries):
    rr = _started_round(world)
    [small] = bulk_scored(world, rr, 1, experts(1))
    [large] = bulk_scored(world, rr, 1, experts(9))
    client.force_login(world.province_user)
    client.get(f"{API}/applications/{small.pk}/sheets/")
    one, response = _count(client, f"{API}/applications/{small.pk}/sheets/")
    assert len(response.json()) == 1

    with django_assert_num_queries(one):
        body = client.get(f"{API}/applications/{large.pk}/sheets/").json()
    assert len(body) == 9 and all(s["expert_name"] and s["employer_name"] for s in body)


def test_round_list_queries_do_not_grow(world, client, django_assert_num_queries):
    _started_round(world)
    client.force_login(world.province_user)
    url = f"{API}/rounds/"
    client.get(url)
    one, response = _count(client, url)
    assert response.json()["count"] == 1

    for n in range(4):
        review_round(world.province_user, closed_batch(world.province_user, name=f"批次{n}"))
    with django_assert_num_queries(one):
        body = client.get(url).json()
    assert body["count"] == 5 and all(len(r["criteria"]) == 5 for r in body["results"])


def test_my_assignments_queries_do_not_grow(world, client, django_assert_num_queries):
    rr = _started_round(world)
    [me] = experts(1)
    bulk_scored(world, rr, 1, [me])
    client.force_login(me)
    url = f"{API}/my/assignments/?page_size=100"
    client.get(url)
    one, response = _count(client, url)
    assert response.json()["count"] == 1

    bulk_scored(world, rr, 30, [me])
    with django_assert_num_queries(one):
        body = client.get(url).json()
    assert body["count"] == 31 and all(r["sheet_state"] == "submitted" for r in body["results"])
