import pytest
from django.http import HttpRequest
from django.test import RequestFactory
from django.contrib.auth import authenticate
from audit.models import AuditEvent

def test_probe(world, client, settings):
    settings.AXES_LOCKOUT_TEMPLATE = None
    r = client.post("/login/", {"username": "hz", "password": "Test-pass-2026"}, HTTP_X_REQUEST_ID="abcdefgh123")
    print("post ok", r.status_code, r.get("Location"), r["X-Request-ID"])
    client.logout()
    rf = RequestFactory()
    for i in range(5):
        print(authenticate(rf.post("/login/"), username="hz", password="bad"))
    print("good after", authenticate(rf.post("/login/"), username="hz", password="Test-pass-2026"))
    print("client.login", client.login(request=rf.post("/login/"), username="hz", password="Test-pass-2026"))
    r = client.post("/login/", {"username": "hz", "password": "Test-pass-2026"})
    print("post", r.status_code, r.content[:200])
    print(list(AuditEvent.objects.values_list("action", "ip", "request_id")))
