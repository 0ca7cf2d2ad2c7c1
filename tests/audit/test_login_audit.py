"""Logins, logouts and failed logins are audited; django-axes locks an account after repeated failures."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from audit.models import AuditEvent

PASSWORD = "Test-pass-2026"  # tests.factories.UserFactory's password


def _failed_login(client, username, password="wrong-password", **headers):
    """A failed sign-in through the login page, which re-displays the form."""
    response = client.post("/login/", {"username": username, "password": password}, **headers)
    assert response.status_code in (200, 429), response.status_code
    assert "_auth_user_id" not in client.session
    return response


@pytest.mark.django_db
def test_login_through_login_page_records_event_with_ip_and_request_id(world, client):
    response = client.post(
        "/login/",
        {"username": "hz", "password": PASSWORD},
        HTTP_X_REQUEST_ID="login-req-0001",
        REMOTE_ADDR="198.51.100.4",
    )

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert response["X-Request-ID"] == "login-req-0001"
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == world.hz_user
    assert event.organisation_id == world.hz.pk
    assert (event.object_type, event.object_id) == ("accounts.User", str(world.hz_user.pk))
    assert (event.ip, event.request_id) == ("198.51.100.4", "login-req-0001")


@pytest.mark.django_db
def test_client_login_fires_user_logged_in_and_is_recorded(world, client):
    # AxesStandaloneBackend needs the request that the login view would pass.
    logged_in = client.login(request=RequestFactory().post("/login/"), username="ent_hz", password=PASSWORD)

    assert logged_in is True
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == world.ent_hz_user
    assert event.organisation_id == world.ent_hz.pk


@pytest.mark.django_db
def test_expert_login_records_event_without_organisation(world, client):
    client.post("/login/", {"username": "expert", "password": PASSWORD})

    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == world.expert_user
    assert event.organisation_id is None


@pytest.mark.django_db
def test_failed_login_records_username_ip_and_request_id_but_not_the_password(world, client):
    response = _failed_login(
        client, "hz", password="Sekrit-guess-1", HTTP_X_REQUEST_ID="bad-login-0001", REMOTE_ADDR="198.51.100.9"
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "bad-login-0001"
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None
    assert event.object_repr == "hz"
    assert event.after == {"username": "hz"}
    assert (event.ip, event.request_id) == ("198.51.100.9", "bad-login-0001")
    assert "Sekrit-guess-1" not in event.canonical()


@pytest.mark.django_db
def test_failed_login_for_unknown_username_is_recorded_too(world, client):
    _failed_login(client, "nobody-here")

    assert AuditEvent.objects.filter(action="auth.login_failed", object_repr="nobody-here").count() == 1


@pytest.mark.django_db
def test_failed_login_by_authenticate_with_request_is_recorded(world):
    user = authenticate(RequestFactory().post("/login/"), username="hz", password="wrong-password")

    assert user is None
    assert AuditEvent.objects.filter(action="auth.login_failed", object_repr="hz").count() == 1


@pytest.mark.django_db
def test_logout_records_event(world, client):
    client.post("/login/", {"username": "nb", "password": PASSWORD})

    response = client.post("/logout/")

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.logout")
    assert event.actor == world.nb_user
    assert event.organisation_id == world.nb.pk


@pytest.mark.django_db
def test_login_failures_below_the_limit_do_not_lock(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _failed_login(client, "hz")

    response = client.post("/login/", {"username": "hz", "password": PASSWORD})

    assert response.status_code == 302


@pytest.mark.django_db
def test_axes_lockout_refuses_correct_password_after_failure_limit(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _failed_login(client, "hz")

    direct = authenticate(RequestFactory().post("/login/"), username="hz", password=PASSWORD)
    via_client = client.login(request=RequestFactory().post("/login/"), username="hz", password=PASSWORD)
    via_page = client.post("/login/", {"username": "hz", "password": PASSWORD})

    assert direct is None
    assert via_client is False
    assert via_page.status_code == 429
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="auth.login").exists()


@pytest.mark.django_db
def test_axes_lockout_of_one_user_leaves_others_signing_in(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _failed_login(client, "hz")

    response = client.post("/login/", {"username": "nb", "password": PASSWORD})

    assert response.status_code == 302
    assert AuditEvent.objects.get(action="auth.login").actor == world.nb_user
