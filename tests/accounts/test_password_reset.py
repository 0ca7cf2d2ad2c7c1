import re

import pytest
from django.core import mail

from accounts.models import User


@pytest.mark.django_db
def test_password_reset_mails_a_link_that_sets_a_new_password(world, client):
    response = client.post("/password-reset/", {"email": "ent_hz@example.com"})

    assert response.status_code == 302 and response["Location"] == "/password-reset/done/"
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session marker
    done = client.post(form_url, {"new_password1": "Neues-Passwort-2026", "new_password2": "Neues-Passwort-2026"})
    assert done.status_code == 302 and done["Location"] == "/reset/done/"
    assert User.objects.get(username="ent_hz").check_password("Neues-Passwort-2026")


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(world, client):
    response = client.post("/password-reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302 and response["Location"] == "/password-reset/done/"
    assert mail.outbox == []


@pytest.mark.django_db
def test_password_reset_mail_is_in_chinese(world, client):
    client.post("/password-reset/", {"email": "ent_hz@example.com"})

    assert "密码" in mail.outbox[0].subject + mail.outbox[0].body
