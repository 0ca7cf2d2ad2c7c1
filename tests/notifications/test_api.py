"""The inbox API: a user sees, counts and marks only their own notifications."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import services
from notifications.models import Notification
from tests import factories as f

URL = "/api/v1/notifications/"


def _notes(user, n, subject="待办事项"):
    return [services.notify(recipients=[user], kind="system.message", subject=f"{subject}{i}")[0] for i in range(n)]


@pytest.fixture
def inbox(world):
    """Other users' notifications first (what could leak), then three of hz_user's own."""
    others = _notes(world.nb_user, 2, subject="宁波的通知") + _notes(world.ent_hz_user, 1, subject="企业的通知")
    mine = _notes(world.hz_user, 3)
    return mine, others


@pytest.mark.django_db
def test_inbox_lists_only_the_users_own_notifications(inbox, world, client):
    mine, others = inbox
    client.force_login(world.hz_user)

    response = client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [n.pk for n in reversed(mine)]  # newest first
    assert "宁波的通知" not in response.content.decode()
    assert "企业的通知" not in response.content.decode()
    assert set(body["results"][0]) == {"id", "kind", "subject", "body", "link", "created_at", "read_at", "is_read"}


@pytest.mark.django_db
def test_inbox_detail_of_other_users_notification_is_404(inbox, world, client):
    mine, others = inbox
    client.force_login(world.hz_user)

    own = client.get(f"{URL}{mine[0].pk}/")
    foreign = client.get(f"{URL}{others[0].pk}/")

    assert own.status_code == 200
    assert foreign.status_code == 404
    assert others[0].subject not in foreign.content.decode()


@pytest.mark.django_db
def test_inbox_filters_unread(inbox, world, client):
    mine, _others = inbox
    services.mark_read(user=world.hz_user, notification_ids=[mine[0].pk])
    client.force_login(world.hz_user)

    unread = client.get(URL, {"read_at__isnull": "true"}).json()
    read = client.get(URL, {"read_at__isnull": "false"}).json()

    assert {row["id"] for row in unread["results"]} == {mine[1].pk, mine[2].pk}
    assert [(row["id"], row["is_read"]) for row in read["results"]] == [(mine[0].pk, True)]


@pytest.mark.django_db
def test_unread_count_counts_only_own_unread(inbox, world, client):
    mine, _others = inbox
    services.mark_read(user=world.hz_user, notification_ids=[mine[0].pk])
    client.force_login(world.hz_user)

    response = client.get(f"{URL}unread-count/")

    assert response.status_code == 200
    assert response.json() == {"unread": 2}


@pytest.mark.django_db
def test_mark_read_with_ids_marks_only_own_and_ignores_others(inbox, world, client):
    mine, others = inbox
    client.force_login(world.hz_user)

    response = client.post(f"{URL}mark-read/", {"ids": [mine[0].pk, others[0].pk]}, content_type="application/json")

    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    assert Notification.objects.get(pk=others[0].pk).read_at is None
    assert client.get(f"{URL}unread-count/").json() == {"unread": 2}


@pytest.mark.django_db
def test_mark_read_without_ids_marks_all_own(inbox, world, client):
    _mine, others = inbox
    client.force_login(world.hz_user)

    response = client.post(f"{URL}mark-read/", {}, content_type="application/json")
    again = client.post(f"{URL}mark-read/", {}, content_type="application/json")

    assert response.json() == {"marked": 3}
    assert again.json() == {"marked": 0}
    assert all(Notification.objects.get(pk=n.pk).read_at is None for n in others)


@pytest.mark.parametrize("ids", [["abc"], [0], "1,2"])
@pytest.mark.django_db
def test_mark_read_with_bad_ids_answers_400_and_marks_nothing(inbox, world, client, ids):
    client.force_login(world.hz_user)

    response = client.post(f"{URL}mark-read/", {"ids": ids}, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["ids"]
    assert client.get(f"{URL}unread-count/").json() == {"unread": 3}


@pytest.mark.django_db
def test_inbox_is_read_only(inbox, world, client):
    mine, _others = inbox
    client.force_login(world.hz_user)

    created = client.post(URL, {"subject": "伪造"}, content_type="application/json")
    deleted = client.delete(f"{URL}{mine[0].pk}/")

    assert created.status_code == 405
    assert deleted.status_code == 405
    assert Notification.objects.filter(pk=mine[0].pk).exists()


@pytest.mark.django_db
def test_inbox_list_queries_do_not_grow_with_rows(world, client, django_assert_num_queries):
    user = f.UserFactory()
    _notes(f.UserFactory(), 5)  # someone else's
    _notes(user, 1)
    client.force_login(user)
    url = f"{URL}?page_size=100"
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(url).json()["count"] == 1
    _notes(user, 49)

    with django_assert_num_queries(len(one_row.captured_queries)):
        response = client.get(url)

    assert response.json()["count"] == 50
    assert len(response.json()["results"]) == 50
