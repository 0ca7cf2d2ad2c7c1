"""Enterprise self-registration → e-mail verification → review by the bureau (services and API)."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from accounts import services
from accounts.models import Membership, Organisation, User
from notifications.models import Delivery, Notification
from tests import factories as f
from tests.accounts.helpers import PASSWORD, registration_payload, row_counts

REGISTER_URL = "/api/v1/register/"


def _org(pk):
    # refresh_from_db() cannot reassign the protected FSM status field, so read the row afresh.
    return Organisation.objects.get(pk=pk)


def _register(region_code="330106", **overrides):
    data = registration_payload(region=f.region(region_code).pk, **overrides)
    data["region"] = f.region(region_code)
    return services.register_enterprise(**data)


def _token_from(mail):
    match = re.search(r"/verify-email/([^/\s]+)/", mail.body)
    assert match, mail.body
    return match.group(1)


@pytest.fixture
def pending(world, django_capture_on_commit_callbacks):
    """A Binjiang (Hangzhou) enterprise that registered and verified its e-mail: waiting for review."""
    with django_capture_on_commit_callbacks(execute=True):
        org = _register()
        user = User.objects.get(username="newcorp")
        services.verify_email(token=services.email_verification_token(user))
    return _org(org.pk)


# --- registration ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_api_creates_unverified_org_user_membership_and_sends_verification(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    payload = registration_payload()
    before = row_counts()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER_URL, payload, content_type="application/json")

    assert response.status_code == 201
    assert response.json()["status"] == "unverified"
    org = Organisation.objects.get(uscc=payload["uscc"])
    user = User.objects.get(username="newcorp")
    assert org.kind == "enterprise" and org.status == "unverified"
    assert org.contact_email == payload["email"]
    assert user.check_password(PASSWORD) and user.email_verified_at is None
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role, membership.is_admin) == (org, "enterprise", True)
    after = row_counts()
    assert {k: after[k] - before[k] for k in after} == {
        "Organisation": 1,
        "User": 1,
        "Membership": 1,
        "AuditEvent": 1,
        "Notification": 1,
        "Delivery": 2,
    }
    note = Notification.objects.get(recipient=user)
    assert note.kind == "account.verify_email"
    assert dict(note.deliveries.values_list("channel", "status")) == {"in_app": "sent", "email": "sent"}
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [payload["email"]]
    assert "/verify-email/" in mailoutbox[0].body


@pytest.mark.django_db
def test_register_password_is_not_echoed_or_stored_in_clear(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER_URL, registration_payload(), content_type="application/json")

    assert PASSWORD not in response.content.decode()
    assert User.objects.get(username="newcorp").password != PASSWORD


@pytest.mark.django_db
def test_register_service_rejects_a_city_as_region(world):
    before = row_counts()

    with pytest.raises(ValidationError) as exc:
        _register(region_code="3301")

    assert list(exc.value.message_dict) == ["region"]
    assert row_counts() == before


# --- e-mail verification --------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_email_with_mailed_token_submits_for_review_and_notifies_city_reviewers(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER_URL, registration_payload(), content_type="application/json")
    token = _token_from(mailoutbox[0])
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        user = services.verify_email(token=token)

    org = Organisation.objects.get(memberships__user=user)
    assert org.status == "pending"
    assert user.email_verified_at is not None
    reviews = Notification.objects.filter(kind="org.review_requested")
    assert [n.recipient for n in reviews] == [world.hz_user]
    assert org.name in reviews[0].subject
    assert reviews[0].link == f"/organisations/{org.pk}/"
    assert [m.to for m in mailoutbox] == [[world.hz_user.email]]


@pytest.mark.django_db
def test_verify_email_does_not_notify_other_city_staff_with_a_non_reviewing_membership_in_the_city(
    world, django_capture_on_commit_callbacks
):
    # nb_user is city staff in Ningbo and also sits on Hangzhou's city finance bureau, which does not review.
    f.member(f.bureau("city", "3301", department="finance", name="杭州市财政局"), user=world.nb_user)

    with django_capture_on_commit_callbacks(execute=True):
        _register()
        services.verify_email(token=services.email_verification_token(User.objects.get(username="newcorp")))

    recipients = set(Notification.objects.filter(kind="org.review_requested").values_list("recipient", flat=True))
    assert recipients == {world.hz_user.pk}


@pytest.mark.django_db
def test_verify_email_outside_a_staffed_city_notifies_province_staff(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        org = _register(region_code="330302")  # 温州 has no city bureau in `world`
        user = User.objects.get(username="newcorp")

        services.verify_email(token=services.email_verification_token(user))

    assert _org(org.pk).status == "pending"
    recipients = set(Notification.objects.filter(kind="org.review_requested").values_list("recipient", flat=True))
    assert recipients == {world.province_user.pk}


@pytest.mark.django_db
def test_verify_email_twice_changes_nothing_the_second_time(pending, world):
    user = User.objects.get(username="newcorp")
    verified_at = user.email_verified_at
    before = row_counts()

    services.verify_email(token=services.email_verification_token(user))

    assert row_counts() == before
    assert User.objects.get(pk=user.pk).email_verified_at == verified_at
    assert _org(pending.pk).status == "pending"


@pytest.mark.django_db
def test_verify_email_with_expired_token_is_refused(world):
    org = _register()
    user = User.objects.get(username="newcorp")

    class LongAgoSigner(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - services.VERIFY_MAX_AGE - 60)

    token = LongAgoSigner(salt=services.VERIFY_SALT).sign_object({"u": user.pk, "e": user.email})
    before = row_counts()

    with pytest.raises(ValidationError) as exc:
        services.verify_email(token=token)

    assert exc.value.messages == ["验证链接已过期，请重新注册或联系经信部门。"]
    assert _org(org.pk).status == "unverified"
    assert row_counts() == before


@pytest.mark.parametrize(
    "make_token",
    [
        lambda user: "not-a-token",
        lambda user: services.email_verification_token(user)[:-2] + "xx",
        lambda user: signing.dumps({"u": user.pk, "e": user.email}, salt="another-purpose"),
        lambda user: signing.dumps({"u": user.pk, "e": "changed@example.cn"}, salt=services.VERIFY_SALT),
    ],
    ids=["garbage", "tampered", "other-salt", "other-email"],
)
@pytest.mark.django_db
def test_verify_email_with_bad_token_is_refused(world, make_token):
    org = _register()
    user = User.objects.get(username="newcorp")
    token = make_token(user)

    with pytest.raises(ValidationError) as exc:
        services.verify_email(token=token)

    assert exc.value.messages == ["验证链接无效。"]
    assert _org(org.pk).status == "unverified"
    assert User.objects.get(pk=user.pk).email_verified_at is None


# --- review by the bureau -------------------------------------------------------------------------


@pytest.mark.django_db
def test_approve_api_as_city_staff_approves_and_notifies_enterprise(
    pending, world, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.hz_user)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/organisations/{pending.pk}/approve/", {}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    org = _org(pending.pk)
    assert org.status == "approved"
    assert org.reviewed_by == world.hz_user
    assert org.reviewed_at is not None
    enterprise_user = User.objects.get(username="newcorp")
    note = Notification.objects.get(kind="org.approved")
    assert note.recipient == enterprise_user
    assert [m.to for m in mailoutbox] == [[enterprise_user.email]]


@pytest.mark.django_db
def test_approve_api_as_province_staff_approves_any_city(pending, world, client):
    client.force_login(world.province_user)

    response = client.post(f"/api/v1/organisations/{pending.pk}/approve/")

    assert response.status_code == 200
    assert _org(pending.pk).status == "approved"


# who → status code when approving a pending Binjiang registration
APPROVERS = {
    "province_user": 200,
    "finance_user": 403,
    "regulator_user": 403,
    "hz_user": 200,
    "nb_user": 404,
    "binjiang_user": 403,
    "ent_hz_user": 404,
    "ent_nb_user": 404,
    "expert_user": 404,
}


@pytest.mark.parametrize(("who", "expected"), list(APPROVERS.items()))
@pytest.mark.django_db
def test_approve_api_answer_by_role(pending, world, client, who, expected):
    client.force_login(getattr(world, who))
    before = row_counts()

    response = client.post(f"/api/v1/organisations/{pending.pk}/approve/")

    assert response.status_code == expected
    if expected == 200:
        assert _org(pending.pk).status == "approved"
    else:
        assert _org(pending.pk).status == "pending"
        assert row_counts() == before
    if expected == 404:
        assert pending.name not in response.content.decode()
    if expected == 403:
        assert response.json()["error"]["message"] == "您无权审核该单位的注册。"


@pytest.mark.django_db
def test_approve_api_out_of_scope_city_staff_gets_404(pending, world, client):
    client.force_login(world.nb_user)

    response = client.post(f"/api/v1/organisations/{pending.pk}/approve/")

    assert response.status_code == 404
    assert _org(pending.pk).status == "pending"


@pytest.mark.django_db
def test_approve_api_county_staff_in_scope_gets_403(pending, world, client):
    client.force_login(world.binjiang_user)

    detail = client.get(f"/api/v1/organisations/{pending.pk}/")
    response = client.post(f"/api/v1/organisations/{pending.pk}/approve/")

    assert detail.status_code == 200  # in scope: county staff may see the registration
    assert response.status_code == 403
    assert _org(pending.pk).status == "pending"


@pytest.mark.django_db
def test_approve_api_twice_answers_400_with_clear_message(pending, world, client):
    client.force_login(world.hz_user)
    client.post(f"/api/v1/organisations/{pending.pk}/approve/")
    before = row_counts()

    response = client.post(f"/api/v1/organisations/{pending.pk}/approve/")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"] == {"non_field_errors": ["该单位当前状态为“已审核通过”，不能审核。"]}
    assert "已审核通过" in error["message"]
    assert row_counts() == before


@pytest.mark.django_db
def test_approve_api_of_unverified_registration_answers_400(world, client):
    org = _register()
    client.force_login(world.hz_user)

    response = client.post(f"/api/v1/organisations/{org.pk}/approve/")

    assert response.status_code == 400
    assert "待验证邮箱" in response.json()["error"]["message"]
    assert _org(org.pk).status == "unverified"


@pytest.mark.parametrize("reason", [None, "", "   "])
@pytest.mark.django_db
def test_reject_api_without_reason_answers_400_naming_reason(pending, world, client, reason):
    client.force_login(world.hz_user)
    body = {} if reason is None else {"reason": reason}
    before = row_counts()

    response = client.post(f"/api/v1/organisations/{pending.pk}/reject/", body, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["reason"]
    assert response.json()["error"]["fields"]["reason"] == ["退回注册时必须填写理由。"]
    assert _org(pending.pk).status == "pending"
    assert row_counts() == before


@pytest.mark.django_db
def test_reject_api_with_reason_rejects_and_tells_enterprise_why(
    pending, world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.hz_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/organisations/{pending.pk}/reject/",
            {"reason": " 营业执照不清晰 "},
            content_type="application/json",
        )

    assert response.status_code == 200
    org = _org(pending.pk)
    assert org.status == "rejected"
    assert org.status_reason == "营业执照不清晰"
    note = Notification.objects.get(kind="org.rejected")
    assert note.recipient.username == "newcorp"
    assert "营业执照不清晰" in note.body
    assert Delivery.objects.get(notification=note, channel="email").status == "sent"


@pytest.mark.django_db
def test_reject_api_too_long_reason_answers_400(pending, world, client):
    client.force_login(world.hz_user)

    response = client.post(
        f"/api/v1/organisations/{pending.pk}/reject/", {"reason": "理" * 501}, content_type="application/json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["reason"]


@pytest.mark.django_db
def test_review_services_raise_404_and_403_like_the_api(pending, world):
    with pytest.raises(Http404):
        services.approve_registration(actor=world.nb_user, organisation_id=pending.pk)
    with pytest.raises(PermissionDenied):
        services.reject_registration(actor=world.binjiang_user, organisation_id=pending.pk, reason="不符合")

    assert _org(pending.pk).status == "pending"


# --- members and clean-up -------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_member_derives_role_from_organisation_and_is_idempotent(world):
    user = f.UserFactory()

    first = services.add_member(actor=world.province_user, organisation=world.binjiang, user=user)
    second = services.add_member(actor=world.province_user, organisation=world.binjiang, user=user, is_admin=True)

    assert first.pk == second.pk
    assert first.role == "county_staff"
    assert Membership.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_expire_unverified_registrations_deactivates_only_stale_unverified_users(pending, world):
    stale_org = _register(uscc=f.make_uscc(region_code="330106"), username="stale", email="stale@example.cn")
    fresh_org = _register(uscc=f.make_uscc(region_code="330106"), username="fresh", email="fresh@example.cn")
    User.objects.filter(username__in=["stale", "newcorp"]).update(
        date_joined=timezone.now() - timedelta(seconds=services.VERIFY_MAX_AGE + 60)
    )

    count = services.expire_unverified_registrations()

    assert count == 1
    assert dict(
        User.objects.filter(username__in=["stale", "fresh", "newcorp"]).values_list("username", "is_active")
    ) == {
        "stale": False,
        "fresh": True,
        "newcorp": True,
    }
    assert _org(stale_org.pk).status == "unverified"  # kept for the audit trail
    assert _org(fresh_org.pk).status == "unverified"
