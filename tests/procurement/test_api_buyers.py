"""采购人单位 through the API (/api/v1/procurement/buyers/): province industry staff list, register and invite; a
buyer organisation's admin reads and invites for their own; errors name the field and write nothing."""

import pytest
from django.core import mail

from accounts.models import Membership, Organisation, Region, User
from tests import factories as f
from tests.procurement import builders as b

API = "/api/v1/procurement/buyers/"
JSON = "application/json"

pytestmark = pytest.mark.django_db


@pytest.fixture
def env(world):
    world.org_a = b.buyer_org()
    world.admin_a = b.buyer_user(world.org_a, username="admin_a", is_admin=True)
    world.member_a = b.buyer_user(world.org_a, username="member_a")
    world.org_b = b.buyer_org(name="宁波市第一医院", region=f.region("3302"))
    return world


def test_province_staff_list_register_and_invite(env, client, django_capture_on_commit_callbacks):
    client.force_login(env.province_user)

    listed = client.get(API).json()
    assert {r["name"]: r["member_count"] for r in listed["results"]} == {env.org_a.name: 2, env.org_b.name: 0}
    assert [r["name"] for r in client.get(API, {"q": "宁波"}).json()["results"]] == [env.org_b.name]

    created = client.post(
        API, {"name": "浙江省肿瘤医院", "uscc": f.make_uscc(), "region": f.region("330106").pk}, content_type=JSON
    )
    assert created.status_code == 201, created.json()
    org_id = created.json()["id"]
    assert Organisation.objects.get(pk=org_id).kind == "buyer" and created.json()["members"] == []

    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(
            f"{API}{org_id}/invite/",
            {"username": "zl_buyer", "name": "肿瘤采购员", "email": "zl@example.cn", "is_admin": True},
            content_type=JSON,
        )
    assert invited.status_code == 201, invited.json()
    (member,) = invited.json()["members"]
    assert member["username"] == "zl_buyer" and member["status"] == "invited" and member["is_admin"] is True
    assert len(mail.outbox) == 1 and "/reset/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"uscc": "91330100000000000X"}, "uscc"),
        ({"name": ""}, "name"),
        ({"region": 999999}, "region"),
    ],
)
def test_bad_buyers_name_the_field_and_write_nothing(env, client, data, field):
    client.force_login(env.province_user)
    count = Organisation.objects.count()

    response = client.post(
        API, {"name": "新医院", "uscc": f.make_uscc(), "region": f.region("3301").pk, **data}, content_type=JSON
    )

    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert Organisation.objects.count() == count


def test_the_province_is_not_a_buyer_region(env, client):
    client.force_login(env.province_user)

    response = client.post(
        API,
        {"name": "新医院", "uscc": f.make_uscc(), "region": Region.objects.get(level="province").pk},
        content_type=JSON,
    )

    assert response.status_code == 400 and "region" in response.json()["error"]["fields"]


def test_a_buyer_admin_reads_and_invites_for_their_own_only(env, client, django_capture_on_commit_callbacks):
    client.force_login(env.admin_a)

    assert [r["id"] for r in client.get(API).json()["results"]] == [env.org_a.pk]
    assert client.get(f"{API}{env.org_b.pk}/").status_code == 404
    assert (
        client.post(
            f"{API}{env.org_b.pk}/invite/", {"username": "x", "name": "x", "email": "x@example.cn"}, content_type=JSON
        ).status_code
        == 404
    )
    assert (
        client.post(
            API, {"name": "新医院", "uscc": f.make_uscc(), "region": f.region("3301").pk}, content_type=JSON
        ).status_code
        == 403
    )
    taken = client.post(
        f"{API}{env.org_a.pk}/invite/",
        {"username": "member_a", "name": "重名", "email": "m@example.cn"},
        content_type=JSON,
    )
    assert taken.status_code == 400 and "username" in taken.json()["error"]["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            f"{API}{env.org_a.pk}/invite/",
            {"username": "colleague", "name": "同事", "email": "c@example.cn"},
            content_type=JSON,
        )
    assert ok.status_code == 201
    assert Membership.objects.get(user__username="colleague").organisation == env.org_a


@pytest.mark.parametrize("who", ["member_a", "finance_user", "hz_user", "ent_hz_user"])
def test_others_are_refused(env, client, who):
    client.force_login(getattr(env, who))
    users = User.objects.count()

    assert client.get(API).status_code == 403
    assert client.get(f"{API}{env.org_a.pk}/").status_code == 403
    assert (
        client.post(
            f"{API}{env.org_a.pk}/invite/", {"username": "x", "name": "x", "email": "x@example.cn"}, content_type=JSON
        ).status_code
        == 403
    )
    assert User.objects.count() == users


def test_anonymous_gets_401(env, client):
    assert client.get(API).status_code == 401
    assert client.post(API, {}, content_type=JSON).status_code == 401


def test_an_invitation_is_sent_again_through_the_api(env, client, django_capture_on_commit_callbacks):
    client.force_login(env.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{API}{env.org_a.pk}/invite/",
            {"username": "colleague", "name": "同事", "email": "c@example.cn"},
            content_type=JSON,
        )
    url = f"{API}{env.org_a.pk}/resend-invitation/"
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(url, {"username": "colleague"}, content_type=JSON)
    assert ok.status_code == 200 and len(mail.outbox) == 2
    active = client.post(url, {"username": "member_a"}, content_type=JSON)
    assert active.status_code == 400 and "user" in active.json()["error"]["fields"]
    assert client.post(url, {"username": "nobody"}, content_type=JSON).status_code == 404
    assert (
        client.post(f"{API}{env.org_b.pk}/resend-invitation/", {"username": "admin_b"}, content_type=JSON).status_code
        == 404
    )
    assert len(mail.outbox) == 2
