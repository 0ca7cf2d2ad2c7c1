import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token


@pytest.mark.django_db
def test_token_user_has_identity_columns_loaded_and_the_rest_deferred(world):
    from accounts.authentication import TokenAuthentication

    token = Token.objects.create(user=world.hz_user)
    user, key = TokenAuthentication().authenticate_credentials(token.key)

    with CaptureQueriesContext(connection) as loaded:
        identity = (user.pk, user.username, user.email, user.is_active, user.is_superuser, str(user))
    with CaptureQueriesContext(connection) as deferred:
        assert user.check_password("Test-pass-2026")

    assert identity == (world.hz_user.pk, "hz", "hz@example.com", True, False, world.hz_user.display_name)
    assert key == token.key
    assert len(loaded) == 0
    assert len(deferred) == 1  # the password hash, loaded on first access


@pytest.mark.django_db
def test_unknown_token_answers_401(world, client):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.django_db
def test_token_of_an_inactive_user_answers_401(world, client):
    token = Token.objects.create(user=world.ent_hz_user)
    world.ent_hz_user.is_active = False
    world.ent_hz_user.save(update_fields=["is_active"])

    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 401
