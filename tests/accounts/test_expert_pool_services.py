"""Expert pool services: validation writes nothing, every write is audited, only province industry staff may write."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import experts
from accounts.models import ExpertProfile, Organisation, User
from accounts.roles import roles_of
from audit.models import AuditEvent
from notifications.models import Notification
from tests import factories as f
from tests.accounts.expert_pool_helpers import expert_values, pool_counts

OUTSIDERS = ["hz_user", "binjiang_user", "ent_hz_user", "expert_user", "finance_user", "regulator_user"]


def _errors(excinfo):
    return excinfo.value.message_dict


@pytest.mark.django_db
def test_create_expert_writes_user_profile_audit_and_invitation(world):
    profile = experts.create_expert(actor=world.province_user, **expert_values(world))

    user = User.objects.get(username="li_expert")
    assert profile.user == user and not user.has_usable_password()
    assert (user.display_name, user.email, user.phone) == ("李专家", "li.expert@example.cn", "13900001111")
    assert profile.fields == ["medical", "robotics"]  # in the order of the ten fields
    assert profile.employer == world.ent_hz and profile.region.code == "3301" and profile.active
    event = AuditEvent.objects.get(action="expert.created")
    assert event.actor == world.province_user and event.organisation == world.province
    assert event.after["username"] == "li_expert" and event.after["fields"] == ["medical", "robotics"]
    note = Notification.objects.get(recipient=user, kind="account.expert_invited")
    assert note.link.startswith("/reset/")
    assert roles_of(user).expert_profile == profile


@pytest.mark.django_db
def test_invitation_link_lets_the_new_expert_set_a_password(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        experts.create_expert(actor=world.province_user, **expert_values(world))

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["li.expert@example.cn"]
    link = re.search(r"http://\S+?(/reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    done = client.post(form_url, {"new_password1": "Zhuanjia-Mima-2026", "new_password2": "Zhuanjia-Mima-2026"})

    assert done.status_code == 302 and done["Location"] == "/reset/done/"
    assert User.objects.get(username="li_expert").check_password("Zhuanjia-Mima-2026")


@pytest.mark.parametrize(("override", "field"), [
    ({"display_name": " "}, "display_name"),
    ({"username": "bad name!"}, "username"),
    ({"username": "PROV"}, "username"),  # taken, whatever the case
    ({"email": ""}, "email"),
    ({"email": "not-an-address"}, "email"),
    ({"email": "ENT_HZ@example.com"}, "email"),  # taken by another user
    ({"phone": "12345"}, "phone"),
    ({"title": "工程师"}, "title"),  # not a senior title
    ({"fields": []}, "fields"),
    ({"fields": ["robotics", "space"]}, "fields"),
    ({"employer": None}, "employer"),
    ({"employer": None, "employer_name": "新单位", "employer_uscc": "91330100000000000X"}, "employer_uscc"),
    ({"employer": None, "employer_name": "新单位"}, "employer_uscc"),
    ({"employer": None, "employer_uscc": f.make_uscc(990001)}, "employer_name"),
])
@pytest.mark.django_db
def test_create_expert_refuses_bad_values_naming_the_field_and_writes_nothing(world, override, field):
    before = pool_counts()

    with pytest.raises(ValidationError) as excinfo:
        experts.create_expert(actor=world.province_user, **expert_values(world, **override))

    assert field in _errors(excinfo)
    assert all(_errors(excinfo)[field]), "a message in words"
    assert pool_counts() == before


@pytest.mark.django_db
def test_create_expert_reports_every_bad_field_at_once(world):
    with pytest.raises(ValidationError) as excinfo:
        experts.create_expert(actor=world.province_user, **expert_values(world, phone="x", title="助理工程师",
                                                                         fields=[]))

    assert {"phone", "title", "fields"} <= set(_errors(excinfo))
    assert "高级职称" in _errors(excinfo)["title"][0]


@pytest.mark.django_db
def test_create_expert_with_a_new_employer_makes_an_approved_other_organisation(world):
    uscc = f.make_uscc(880001)

    profile = experts.create_expert(actor=world.province_user, **expert_values(
        world, employer=None, employer_name="浙江测试研究院", employer_uscc=uscc.lower()))

    org = Organisation.objects.get(uscc=uscc)
    assert profile.employer == org
    assert (org.kind, org.status, org.name, org.region.code) == ("other", "approved", "浙江测试研究院", "3301")
    assert AuditEvent.objects.filter(action="org.created", object_id=str(org.pk)).exists()


@pytest.mark.django_db
def test_create_expert_reuses_the_organisation_with_that_uscc(world):
    orgs = Organisation.objects.count()

    profile = experts.create_expert(actor=world.province_user, **expert_values(
        world, employer=None, employer_name="名称不同也无妨", employer_uscc=world.ent_nb.uscc))

    assert profile.employer == world.ent_nb
    assert Organisation.objects.count() == orgs
    assert Organisation.objects.get(pk=world.ent_nb.pk).name == "宁波测试机械有限公司"


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.django_db
def test_only_province_industry_staff_may_create_experts(world, who):
    before = pool_counts()

    with pytest.raises(PermissionDenied):
        experts.create_expert(actor=getattr(world, who), **expert_values(world))

    assert pool_counts() == before


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.django_db
def test_only_province_industry_staff_may_change_or_deactivate(world, who):
    profile = world.expert_user.expert_profile

    with pytest.raises(PermissionDenied):
        experts.update_expert(actor=getattr(world, who), profile=profile, title="教授")
    with pytest.raises(PermissionDenied):
        experts.set_expert_active(actor=getattr(world, who), profile=profile, active=False, reason="x")

    profile.refresh_from_db()
    assert profile.title == "正高级工程师" and profile.active


@pytest.mark.django_db
def test_update_expert_saves_and_audits_only_the_changed_fields(world):
    profile = world.expert_user.expert_profile

    experts.update_expert(actor=world.province_user, profile=profile, title="研究员", phone="0571-88889999",
                          fields=["medical"], display_name=world.expert_user.display_name)

    profile.refresh_from_db()
    assert profile.title == "研究员" and profile.user.phone == "0571-88889999"
    event = AuditEvent.objects.get(action="expert.updated")
    assert event.before == {"title": "正高级工程师", "phone": ""}
    assert event.after == {"title": "研究员", "phone": "0571-88889999"}


@pytest.mark.django_db
def test_update_expert_with_nothing_changed_writes_no_event(world):
    profile = world.expert_user.expert_profile
    experts.update_expert(actor=world.province_user, profile=profile, phone="13900002222")
    events = AuditEvent.objects.count()

    experts.update_expert(actor=world.province_user, profile=profile, phone="13900002222")

    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_update_expert_refuses_another_users_email_and_changes_nothing(world):
    profile = world.expert_user.expert_profile
    before = pool_counts()

    with pytest.raises(ValidationError) as excinfo:
        experts.update_expert(actor=world.province_user, profile=profile, email="prov@example.com", title="教授")

    assert list(_errors(excinfo)) == ["email"]
    profile.refresh_from_db()
    assert profile.title == "正高级工程师" and profile.user.email == "expert@example.com"
    assert pool_counts() == before


@pytest.mark.django_db
def test_update_expert_keeps_own_email_and_refuses_the_username(world):
    profile = world.expert_user.expert_profile

    experts.update_expert(actor=world.province_user, profile=profile, email="EXPERT@example.com")
    with pytest.raises(ValidationError) as excinfo:
        experts.update_expert(actor=world.province_user, profile=profile, username="renamed")

    assert "username" in _errors(excinfo)
    assert User.objects.get(pk=world.expert_user.pk).username == "expert"


@pytest.mark.django_db
def test_update_expert_moves_to_a_new_employer_given_by_name_and_code(world):
    profile = world.expert_user.expert_profile
    uscc = f.make_uscc(880002)

    experts.update_expert(actor=world.province_user, profile=profile, employer_name="新调入大学", employer_uscc=uscc)

    profile.refresh_from_db()
    assert profile.employer.uscc == uscc and profile.employer.kind == "other"
    assert AuditEvent.objects.get(action="expert.updated").after == {"employer": profile.employer_id}


@pytest.mark.django_db
def test_deactivate_needs_a_reason_and_then_the_user_is_no_longer_an_expert(world):
    profile = world.expert_user.expert_profile

    with pytest.raises(ValidationError) as excinfo:
        experts.set_expert_active(actor=world.province_user, profile=profile, active=False, reason="  ")
    assert "reason" in _errors(excinfo)
    assert not AuditEvent.objects.filter(action="expert.deactivated").exists()

    experts.set_expert_active(actor=world.province_user, profile=profile, active=False, reason="退休")

    profile.refresh_from_db()
    assert not profile.active and profile.deactivated_reason == "退休" and profile.deactivated_at
    event = AuditEvent.objects.get(action="expert.deactivated")
    assert event.reason == "退休" and event.before["active"] is True and event.after["active"] is False
    user = User.objects.get(pk=world.expert_user.pk)
    assert roles_of(user).expert_profile is None


@pytest.mark.django_db
def test_activate_clears_the_reason_and_refuses_twice(world):
    profile = world.expert_user.expert_profile
    experts.set_expert_active(actor=world.province_user, profile=profile, active=False, reason="出国")

    experts.set_expert_active(actor=world.province_user, profile=profile, active=True)
    with pytest.raises(ValidationError) as excinfo:
        experts.set_expert_active(actor=world.province_user, profile=profile, active=True)

    assert "active" in _errors(excinfo)
    profile.refresh_from_db()
    assert profile.active and profile.deactivated_reason == "" and profile.deactivated_at is None
    assert AuditEvent.objects.filter(action="expert.activated").count() == 1


@pytest.mark.django_db
def test_invite_again_only_while_no_password_is_set(world):
    profile = experts.create_expert(actor=world.province_user, **expert_values(world))

    experts.invite_expert(actor=world.province_user, profile=profile)
    assert Notification.objects.filter(recipient=profile.user, kind="account.expert_invited").count() == 2

    with pytest.raises(ValidationError):
        experts.invite_expert(actor=world.province_user, profile=world.expert_user.expert_profile)
    assert ExpertProfile.objects.count() == 2
