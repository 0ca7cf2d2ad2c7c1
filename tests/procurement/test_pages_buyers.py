"""采购人单位 pages (/procurement/buyers/): province industry staff list every buyer organisation with its member
count, register new ones (a bad USCC is shown next to the field and nothing is written) and invite users (an
e-mail with a one-time set-password link); a buyer organisation's admin sees and manages their own; anyone else
is refused."""

import re

import pytest
from django.core import mail

from accounts.models import Membership, Organisation, Region, User
from audit.models import AuditEvent
from tests import factories as f
from tests.procurement import builders as b

LIST = "/procurement/buyers/"
NEW = "/procurement/buyers/new/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def env(world):
    world.org_a = b.buyer_org()
    world.admin_a = b.buyer_user(world.org_a, username="admin_a", is_admin=True)
    world.member_a = b.buyer_user(world.org_a, username="member_a")
    world.org_b = b.buyer_org(name="宁波市第一医院", region=f.region("3302"))
    world.admin_b = b.buyer_user(world.org_b, username="admin_b", is_admin=True)
    return world


def _detail(org):
    return f"/procurement/buyers/{org.pk}/"


def _new_values(**kw):
    values = {
        "name": "浙江省肿瘤医院",
        "uscc": f.make_uscc(),
        "region": str(f.region("330106").pk),
        "contact_name": "王老师",
        "contact_phone": "0571-88120000",
        "contact_email": "wang@example.cn",
    }
    values.update(kw)
    return values


def test_province_staff_list_every_buyer_with_member_counts_and_search(env, client):
    client.force_login(env.province_user)

    page = client.get(LIST)

    html = page.content.decode()
    assert page.status_code == 200
    assert env.org_a.name in html and env.org_b.name in html
    counts = dict(re.findall(r'data-buyer="(\d+)".*?data-testid="member-count">(\d+)<', html, re.S))
    assert counts == {str(env.org_a.pk): "2", str(env.org_b.pk): "1"}
    assert 'data-testid="new-buyer"' in html
    searched = client.get(LIST, {"q": "宁波"}).content.decode()
    assert env.org_b.name in searched and env.org_a.name not in searched
    assert env.org_b.name in client.get(LIST, {"q": env.org_b.uscc[-6:]}).content.decode()


def test_a_buyer_admin_lists_their_own(env, client):
    client.force_login(env.admin_a)

    html = client.get(LIST).content.decode()

    assert env.org_a.name in html and env.org_b.name not in html
    assert 'data-testid="new-buyer"' not in html


@pytest.mark.parametrize("who", ["member_a", "finance_user", "hz_user", "ent_hz_user"])
def test_others_may_not_list(env, client, who):
    client.force_login(getattr(env, who))

    assert client.get(LIST).status_code == 403


def test_province_staff_register_a_buyer(env, client):
    client.force_login(env.province_user)
    assert client.get(NEW).status_code == 200

    response = client.post(NEW, _new_values())

    org = Organisation.objects.get(name="浙江省肿瘤医院")
    assert response.status_code == 302 and response["Location"] == _detail(org)
    assert org.kind == "buyer" and org.status == "approved" and org.region == f.region("330106")
    assert org.contact_email == "wang@example.cn"
    assert AuditEvent.objects.filter(action="org.created", object_id=str(org.pk)).exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"uscc": "91330100000000000X"}, "uscc"),  # a wrong check digit
        ({"uscc": "123"}, "uscc"),
        ({"name": " "}, "name"),
        ({"region": "999999"}, "region"),
        ({"region": "abc"}, "region"),
    ],
)
def test_a_bad_buyer_shows_the_error_and_writes_nothing(env, client, values, field):
    client.force_login(env.province_user)
    before = (Organisation.objects.count(), AuditEvent.objects.count())

    response = client.post(NEW, _new_values(**values))

    assert response.status_code == 400
    assert f'data-field-error="{field}"' in response.content.decode()
    assert (Organisation.objects.count(), AuditEvent.objects.count()) == before


def test_a_taken_uscc_is_refused(env, client):
    client.force_login(env.province_user)

    response = client.post(NEW, _new_values(uscc=env.org_a.uscc))

    assert response.status_code == 400 and 'data-field-error="uscc"' in response.content.decode()
    assert not Organisation.objects.filter(name="浙江省肿瘤医院").exists()


@pytest.mark.parametrize("who", ["finance_user", "hz_user", "admin_a", "ent_hz_user"])
def test_only_province_industry_staff_register_buyers(env, client, who):
    client.force_login(getattr(env, who))
    count = Organisation.objects.count()

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, _new_values()).status_code == 403
    assert Organisation.objects.count() == count


def test_the_detail_shows_members_with_their_status(env, client):
    invited = User.objects.create(username="invited_a", display_name="待设置")
    invited.set_unusable_password()
    invited.save()
    Membership.objects.create(user=invited, organisation=env.org_a, role="buyer")
    User.objects.filter(pk=env.member_a.pk).update(is_active=False)
    client.force_login(env.province_user)

    html = client.get(_detail(env.org_a)).content.decode()

    statuses = dict(re.findall(r'data-member="([^"]+)".*?data-status="(\w+)"', html, re.S))
    assert statuses == {"admin_a": "active", "member_a": "inactive", "invited_a": "invited"}
    assert env.org_a.uscc in html and 'data-testid="invite-form"' in html


def test_province_staff_invite_a_user_who_sets_a_password(env, client, django_capture_on_commit_callbacks):
    client.force_login(env.province_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _detail(env.org_a),
            {"username": "new_buyer", "name": "新采购员", "email": "new.buyer@example.cn", "is_admin": "on"},
        )

    assert response.status_code == 302 and response["Location"] == _detail(env.org_a)
    user = User.objects.get(username="new_buyer")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).organisation == env.org_a
    assert Membership.objects.get(user=user).is_admin is True
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.buyer@example.cn"]
    link = re.search(r"http://\S+?(/reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    client.logout()
    form_url = client.get(link).url
    done = client.post(form_url, {"new_password1": "Caigou-Mima-2026", "new_password2": "Caigou-Mima-2026"})
    assert done.status_code == 302
    assert User.objects.get(username="new_buyer").check_password("Caigou-Mima-2026")


def test_a_buyer_admin_invites_a_colleague(env, client, django_capture_on_commit_callbacks):
    client.force_login(env.admin_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _detail(env.org_a), {"username": "colleague", "name": "同事", "email": "colleague@example.cn"}
        )

    assert response.status_code == 302
    assert Membership.objects.get(user__username="colleague").organisation == env.org_a
    assert len(mail.outbox) == 1


def test_a_bad_invitation_shows_the_error_and_writes_nothing(env, client):
    client.force_login(env.province_user)
    users = User.objects.count()

    taken = client.post(_detail(env.org_a), {"username": "admin_a", "name": "重名", "email": "x@example.cn"})
    no_email = client.post(_detail(env.org_a), {"username": "someone", "name": "某人", "email": ""})

    assert taken.status_code == 400 and 'data-field-error="username"' in taken.content.decode()
    assert no_email.status_code == 400 and 'data-field-error="email"' in no_email.content.decode()
    assert User.objects.count() == users and mail.outbox == []


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin_b", 404),
        ("ent_hz_user", 404),
        ("hz_user", 404),
        ("member_a", 403),
        ("finance_user", 403),
    ],
)
def test_others_may_not_manage_a_buyer(env, client, who, status):
    client.force_login(getattr(env, who))
    users = User.objects.count()

    assert client.get(_detail(env.org_a)).status_code == status
    assert (
        client.post(_detail(env.org_a), {"username": "intruder", "name": "某人", "email": "i@example.cn"}).status_code
        == status
    )
    assert User.objects.count() == users


def test_the_province_itself_is_not_a_buyer_region(env, client):
    client.force_login(env.province_user)

    response = client.post(NEW, _new_values(region=str(Region.objects.get(level="province").pk)))

    assert response.status_code == 400 and 'data-field-error="region"' in response.content.decode()
    assert not Organisation.objects.filter(name="浙江省肿瘤医院").exists()


def test_an_invitation_is_sent_again_from_the_members_table(env, client, django_capture_on_commit_callbacks):
    client.force_login(env.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_detail(env.org_a), {"username": "colleague", "name": "同事", "email": "colleague@example.cn"})
    user = User.objects.get(username="colleague")
    html = client.get(_detail(env.org_a)).content.decode()
    url = f"/procurement/buyers/{env.org_a.pk}/members/{user.pk}/invite/"
    assert f'action="{url}"' in html
    assert f'action="/procurement/buyers/{env.org_a.pk}/members/{env.member_a.pk}/invite/"' not in html  # active
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == _detail(env.org_a)
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["colleague@example.cn"]
    # An active member gets none; a plain member may not; another organisation's admin does not see it.
    response = client.post(f"/procurement/buyers/{env.org_a.pk}/members/{env.member_a.pk}/invite/")
    assert response.status_code == 302 and len(mail.outbox) == 2
    client.force_login(env.member_a)
    assert client.post(url).status_code == 403
    client.force_login(env.admin_b)
    assert client.post(url).status_code == 404
    assert len(mail.outbox) == 2
