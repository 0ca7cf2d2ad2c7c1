"""Buyer organisations (province industry staff only) and their invited users (a one-time set-password link)."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Membership, Organisation, Region, User
from audit.models import AuditEvent
from notifications.models import Notification
from procurement.services import buyers as svc
from tests import factories as f
from tests.procurement.builders import buyer_org, buyer_user, errors_of


def _create(actor, **kw):
    values = {
        "name": "浙江省人民医院",
        "uscc": f.make_uscc(),
        "region": f.region("3301"),
        "contact_name": "张老师",
        "contact_phone": "0571-85890000",
        "contact_email": "sb@example.com",
        **kw,
    }
    return svc.create_buyer(actor=actor, **values)


def _invite(actor, org, **kw):
    values = {"username": "zhang_buyer", "name": "张采购", "email": "zhang@example.com", **kw}
    return svc.invite_buyer_user(actor=actor, organisation_id=org.pk, **values)


# --- organisations --------------------------------------------------------------------------------------------


def test_province_staff_create_an_approved_buyer(world):
    org = _create(world.province_user, region=f.region("3301").pk)
    assert (org.kind, org.status, org.region.code) == ("buyer", "approved", "3301")
    assert AuditEvent.objects.filter(action="org.created", object_id=str(org.pk)).exists()


@pytest.mark.parametrize("who", ["finance_user", "regulator_user", "hz_user", "ent_hz_user"])
def test_only_province_industry_staff_create_buyers(world, who):
    with pytest.raises(PermissionDenied):
        _create(getattr(world, who))
    assert not Organisation.objects.filter(kind="buyer").exists()


def test_a_buyer_cannot_create_buyers(world):
    with pytest.raises(PermissionDenied):
        _create(buyer_user(buyer_org()))


def test_create_buyer_refusals(world):
    assert "name" in errors_of(lambda: _create(world.province_user, name=" "))
    assert "region" in errors_of(lambda: _create(world.province_user, region="nowhere"))
    province = Region.objects.get(level=Region.Level.PROVINCE)
    assert "region" in errors_of(lambda: _create(world.province_user, region=province))
    assert "uscc" in errors_of(lambda: _create(world.province_user, uscc="123"))
    taken = _create(world.province_user).uscc
    assert "uscc" in errors_of(lambda: _create(world.province_user, uscc=taken))


def test_buyers_visible_to(world):
    mine, other = buyer_org(name="甲医院"), buyer_org(name="乙医院")
    user = buyer_user(mine)
    assert set(svc.buyers_visible_to(world.province_user)) == {mine, other}
    assert set(svc.buyers_visible_to(world.finance_user)) == {mine, other}
    assert list(svc.buyers_visible_to(user)) == [mine]
    assert not svc.buyers_visible_to(world.ent_hz_user).exists()
    assert not svc.buyers_visible_to(world.hz_user).exists()


# --- users ----------------------------------------------------------------------------------------------------


def test_an_invited_user_gets_a_set_password_link(world):
    org = buyer_org()
    user = _invite(world.province_user, org, is_admin=True)
    assert not user.has_usable_password() and user.is_active and user.display_name == "张采购"
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role, membership.is_admin) == (org, "buyer", True)
    note = Notification.objects.get(kind="account.buyer_invited", recipient=user)
    token = note.link.rstrip("/").rsplit("/", 1)[1]
    assert default_token_generator.check_token(user, token)
    assert "zhang_buyer" in note.body and org.name in note.body
    assert AuditEvent.objects.filter(action="buyer.user_invited", object_id=str(user.pk)).exists()


def test_an_admin_member_invites_colleagues_a_plain_member_does_not(world):
    org = buyer_org()
    admin = buyer_user(org, username="admin1", is_admin=True)
    plain = buyer_user(org, username="plain1")
    assert _invite(admin, org).memberships.get().organisation == org
    with pytest.raises(PermissionDenied):
        _invite(plain, org, username="another")
    other = buyer_org(name="另一家医院")
    with pytest.raises(Http404):  # an admin of one buyer does not see another
        _invite(admin, other, username="another")
    with pytest.raises(PermissionDenied):  # finance staff see buyers but do not invite
        _invite(world.finance_user, org, username="another")


def test_invite_refusals(world):
    org = buyer_org()
    staff = world.province_user
    assert "username" in errors_of(lambda: _invite(staff, org, username="prov"))  # taken
    assert "username" in errors_of(lambda: _invite(staff, org, username="有 空格"))
    assert "name" in errors_of(lambda: _invite(staff, org, name=""))
    assert "email" in errors_of(lambda: _invite(staff, org, email=""))
    assert "email" in errors_of(lambda: _invite(staff, org, email="nope"))
    assert not User.objects.filter(memberships__organisation=org).exists()
    enterprise = world.ent_hz
    with pytest.raises(Http404):  # not a buyer organisation
        _invite(staff, enterprise)


def test_a_region_of_other_digits_is_a_field_error(world):
    # "²".isdigit() is True but int("²") raises: the service must answer a field error.
    assert "region" in errors_of(lambda: _create(world.province_user, region="²"))
    assert not Organisation.objects.filter(kind=Organisation.Kind.BUYER).exists()


def test_an_invitation_is_sent_again_to_a_user_who_has_not_set_a_password(world):
    # The invitation says "过期请联系管理员重新邀请", yet inviting the username again is refused as taken.
    org = buyer_org()
    admin = buyer_user(org, username="admin1", is_admin=True)
    user = _invite(world.province_user, org)
    svc.resend_buyer_invitation(actor=admin, organisation_id=org.pk, user_id=user.pk)
    notes = Notification.objects.filter(kind="account.buyer_invited", recipient=user)
    assert notes.count() == 2
    token = notes.order_by("-pk").first().link.rstrip("/").rsplit("/", 1)[1]
    assert default_token_generator.check_token(user, token)
    assert AuditEvent.objects.filter(action="buyer.user_reinvited", object_id=str(user.pk)).exists()


def test_resending_an_invitation_refusals(world):
    org = buyer_org()
    plain = buyer_user(org, username="plain1")  # has a password
    user = _invite(world.province_user, org)
    with pytest.raises(PermissionDenied):
        svc.resend_buyer_invitation(actor=plain, organisation_id=org.pk, user_id=user.pk)
    assert "user" in errors_of(
        lambda: svc.resend_buyer_invitation(actor=world.province_user, organisation_id=org.pk, user_id=plain.pk)
    )
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert "user" in errors_of(
        lambda: svc.resend_buyer_invitation(actor=world.province_user, organisation_id=org.pk, user_id=user.pk)
    )
    other = buyer_org(name="另一家医院")
    with pytest.raises(Http404):  # not a member of that organisation
        svc.resend_buyer_invitation(actor=world.province_user, organisation_id=other.pk, user_id=user.pk)
    with pytest.raises(Http404):
        svc.resend_buyer_invitation(actor=world.province_user, organisation_id=org.pk, user_id="²")
    assert Notification.objects.filter(kind="account.buyer_invited").count() == 1
