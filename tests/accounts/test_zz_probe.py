import pytest
from django.core import mail
from django.test import RequestFactory
from django.contrib.auth import authenticate
from accounts import services
from audit.models import AuditEvent
from tests import factories as f

def test_probe(world, client, django_capture_on_commit_callbacks):
    from config.celery import app
    print("eager", app.conf.task_always_eager)
    try:
        print("login", client.login(username="hz", password="Test-pass-2026"))
    except Exception as e:
        print("login exc", repr(e))
    rf = RequestFactory()
    req = rf.post("/login/", REMOTE_ADDR="10.0.0.5")
    print("auth", authenticate(req, username="hz", password="bad"))
    print(list(AuditEvent.objects.values_list("action", "ip", "request_id")))
