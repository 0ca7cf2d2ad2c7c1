"""Every write of the accounts services leaves an audit event with who, for whom, what, before/after, IP and request id."""

import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from accounts import services
from accounts.models import Membership, Organisation, User
from audit.middleware import RequestContextMiddleware
from audit.models import GENESIS_HASH, AuditEvent
from audit.services import record, snapshot, verify_chain
from tests import factories as f
from tests.accounts.helpers import registration_payload

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def _register_via_api(client, request_id, ip="10.1.2.3"):
    payload = registration_payload()
    response = client.post(
        "/api/v1/register/", payload, content_type="application/json", HTTP_X_REQUEST_ID=request_id, REMOTE_ADDR=ip
    )
    assert response.status_code == 201, response.content
    return response, Organisation.objects.get(uscc=payload["uscc"])


def _through_middleware(request, work):
    """Run work() inside the request context the middleware sets up, as a view would."""

    def view(req):
        work()
        return HttpResponse()

    return RequestContextMiddleware(view)(request)


@pytest.fixture
def pending(world, client):
    _response, org = _register_via_api(client, "setup-register-01")
    user = User.objects.get(username="newcorp")
    services.verify_email(token=services.email_verification_token(user))
    return Organisation.objects.get(pk=org.pk)


@pytest.mark.django_db
def test_register_api_records_event_with_actor_org_object_ip_and_request_id(world, client):
    response, org = _register_via_api(client, "reg-req-000001", ip="10.1.2.3")

    assert response["X-Request-ID"] == "reg-req-000001"
    user = User.objects.get(username="newcorp")
    event = AuditEvent.objects.get(action="org.registered")
    assert event.actor == user
    assert event.actor_repr == str(user)
    assert event.organisation_id == org.pk
    assert (event.object_type, event.object_id, event.object_repr) == ("accounts.Organisation", str(org.pk), org.name)
    assert event.before is None
    assert event.after == snapshot(org, services.ORG_AUDIT_FIELDS)
    assert event.after["status"] == "unverified" and event.after["uscc"] == org.uscc
    assert event.ip == "10.1.2.3"
    assert event.request_id == "reg-req-000001"


@pytest.mark.django_db
def test_verify_email_records_user_and_organisation_events_in_request_context(world, client):
    _response, org = _register_via_api(client, "reg-req-000002")
    user = User.objects.get(username="newcorp")
    token = services.email_verification_token(user)
    request = RequestFactory().get(f"/verify-email/{token}/", HTTP_X_REQUEST_ID="verify-req-01", REMOTE_ADDR="10.9.8.7")

    response = _through_middleware(request, lambda: services.verify_email(token=token))

    assert response["X-Request-ID"] == "verify-req-01"
    verified = AuditEvent.objects.get(action="user.email_verified")
    assert (verified.actor, verified.object_type, verified.object_id) == (user, "accounts.User", str(user.pk))
    submitted = AuditEvent.objects.get(action="org.submitted_for_review")
    assert submitted.actor == user
    assert submitted.organisation_id == org.pk
    assert submitted.object_id == str(org.pk)
    assert submitted.before["status"] == "unverified"
    assert submitted.after["status"] == "pending"
    for event in (verified, submitted):
        assert (event.ip, event.request_id) == ("10.9.8.7", "verify-req-01")


@pytest.mark.django_db
def test_approve_api_records_reviewer_acting_for_their_bureau(pending, world, client):
    client.force_login(world.hz_user)

    response = client.post(
        f"/api/v1/organisations/{pending.pk}/approve/", HTTP_X_REQUEST_ID="approve-req-01", REMOTE_ADDR="192.0.2.10"
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "approve-req-01"
    event = AuditEvent.objects.get(action="org.approved")
    assert event.actor == world.hz_user
    assert event.organisation_id == world.hz.pk
    assert (event.object_type, event.object_id) == ("accounts.Organisation", str(pending.pk))
    assert event.before["status"] == "pending"
    assert event.after["status"] == "approved"
    assert (event.ip, event.request_id) == ("192.0.2.10", "approve-req-01")


@pytest.mark.django_db
def test_reject_api_records_reason(pending, world, client):
    client.force_login(world.province_user)

    client.post(
        f"/api/v1/organisations/{pending.pk}/reject/",
        {"reason": "经营范围不符"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="reject-req-01",
    )

    event = AuditEvent.objects.get(action="org.rejected")
    assert event.actor == world.province_user
    assert event.organisation_id == world.province.pk
    assert event.reason == "经营范围不符"
    assert event.before["status"] == "pending"
    assert event.after == {**event.before, "status": "rejected", "status_reason": "经营范围不符"}
    assert (event.ip, event.request_id) == ("127.0.0.1", "reject-req-01")


@pytest.mark.django_db
def test_create_organisation_api_records_event(world, client):
    client.force_login(world.province_user)
    uscc = f.make_uscc()

    response = client.post(
        "/api/v1/organisations/",
        {"kind": "buyer", "name": "某市人民医院", "uscc": uscc, "region": f.region("3302").pk},
        content_type="application/json",
        HTTP_X_REQUEST_ID="create-org-01",
    )

    assert response.status_code == 201
    org = Organisation.objects.get(uscc=uscc)
    event = AuditEvent.objects.get(action="org.created")
    assert event.actor == world.province_user
    assert event.organisation_id == world.province.pk
    assert event.object_id == str(org.pk)
    assert event.before is None
    assert event.after["kind"] == "buyer" and event.after["region"] == org.region_id
    assert event.request_id == "create-org-01"


@pytest.mark.django_db
def test_refused_writes_record_no_event(pending, world, client):
    client.force_login(world.binjiang_user)  # itself records auth.login
    before = AuditEvent.objects.count()

    client.post(f"/api/v1/organisations/{pending.pk}/approve/")
    client.post(f"/api/v1/organisations/{pending.pk}/reject/", {}, content_type="application/json")
    client.post("/api/v1/register/", registration_payload(uscc=world.ent_hz.uscc), content_type="application/json")

    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_add_member_records_membership_event(world):
    user = f.UserFactory()

    membership = services.add_member(actor=world.province_user, organisation=world.nb, user=user, is_admin=True)
    services.add_member(actor=world.province_user, organisation=world.nb, user=user)  # already a member

    events = AuditEvent.objects.filter(action="membership.created")
    assert events.count() == 1
    assert events[0].actor == world.province_user
    assert events[0].organisation_id == world.nb.pk
    assert events[0].object_type == "accounts.Membership" and events[0].object_id == str(membership.pk)
    assert events[0].after == {"user": user.pk, "organisation": world.nb.pk, "role": "city_staff", "is_admin": True}


@pytest.mark.django_db
def test_request_without_id_gets_a_generated_one_in_response_and_event(world, client):
    response = client.post("/api/v1/register/", registration_payload(), content_type="application/json")

    assert HEX_ID.match(response["X-Request-ID"])
    assert AuditEvent.objects.get(action="org.registered").request_id == response["X-Request-ID"]


@pytest.mark.parametrize("incoming", ["short", "has space in it", "x" * 65, "bad/chars;here", "ünïcode-request"])
@pytest.mark.django_db
def test_malformed_request_id_is_replaced(world, client, incoming):
    response = client.post(
        "/api/v1/register/", registration_payload(), content_type="application/json", HTTP_X_REQUEST_ID=incoming
    )

    assert response["X-Request-ID"] != incoming
    assert HEX_ID.match(response["X-Request-ID"])
    assert AuditEvent.objects.get(action="org.registered").request_id == response["X-Request-ID"]


@pytest.mark.django_db
def test_error_responses_carry_request_id_too(world, client):
    bad = client.post("/api/v1/register/", {}, content_type="application/json", HTTP_X_REQUEST_ID="bad-input-0001")
    anonymous = client.get("/api/v1/me/", HTTP_X_REQUEST_ID="anon-req-0001")

    assert (bad.status_code, bad["X-Request-ID"]) == (400, "bad-input-0001")
    assert (anonymous.status_code, anonymous["X-Request-ID"]) == (401, "anon-req-0001")


@pytest.mark.django_db
def test_client_ip_ignores_x_forwarded_for_without_trusted_proxies(world, client):
    client.post(
        "/api/v1/register/",
        registration_payload(),
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1",
        REMOTE_ADDR="192.0.2.10",
    )

    assert AuditEvent.objects.get(action="org.registered").ip == "192.0.2.10"


@pytest.mark.django_db
@pytest.mark.parametrize(("hops", "expected"), [(1, "10.0.0.1"), (2, "203.0.113.7"), (3, "192.0.2.10")])
def test_client_ip_counts_trusted_proxy_hops_from_the_right(world, client, settings, hops, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    client.post(
        "/api/v1/register/",
        registration_payload(),
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1",
        REMOTE_ADDR="192.0.2.10",
    )

    assert AuditEvent.objects.get(action="org.registered").ip == expected


@pytest.mark.django_db
def test_events_outside_a_request_have_no_ip_or_request_id(world):
    event = record(action="system.test", object_type="x", object_id="1", object_repr="x")

    assert (event.ip, event.request_id, event.actor) == (None, "", None)


@pytest.mark.django_db
def test_record_ignores_anonymous_actor(world):
    from django.contrib.auth.models import AnonymousUser

    event = record(action="system.test", actor=AnonymousUser(), obj=world.hz)

    assert event.actor is None and event.actor_repr == ""


@pytest.mark.django_db
def test_events_of_the_whole_flow_form_one_intact_chain(pending, world, client):
    client.force_login(world.hz_user)
    client.post(f"/api/v1/organisations/{pending.pk}/approve/")
    services.add_member(actor=world.hz_user, organisation=pending, user=f.UserFactory())

    events = list(AuditEvent.objects.order_by("id"))
    checked, broken, problem = verify_chain()

    assert [e.action for e in events] == [
        "org.registered",
        "user.email_verified",
        "org.submitted_for_review",
        "auth.login",
        "org.approved",
        "membership.created",
    ]
    assert events[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False))
    assert (checked, broken, problem) == (6, None, "")
    assert Membership.objects.filter(organisation=pending).count() == 2
