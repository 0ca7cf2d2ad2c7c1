"""The admin shows audit events read-only: no add, change or delete, not even for a superuser."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from audit.admin import AuditEventAdmin
from audit.models import AuditEvent
from audit.services import record


@pytest.fixture
def event(world):
    return record(
        action="org.approved",
        actor=world.hz_user,
        organisation=world.hz,
        obj=world.ent_hz,
        before={"status": "pending"},
        after={"status": "approved"},
        reason="材料齐全",
    )


def _unchanged(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    return (stored.action, stored.reason, stored.hash) == (event.action, event.reason, event.hash)


@pytest.mark.django_db
def test_audit_admin_permissions_refuse_add_change_delete(event, admin_user):
    model_admin = AuditEventAdmin(AuditEvent, admin.site)
    request = RequestFactory().get("/admin/")
    request.user = admin_user

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, event) is False
    assert model_admin.has_delete_permission(request, event) is False
    assert model_admin.has_view_permission(request, event) is True


@pytest.mark.django_db
def test_audit_admin_add_page_is_forbidden(event, admin_client):
    before = AuditEvent.objects.count()  # after admin_client's login, itself an event

    response = admin_client.get("/admin/audit/auditevent/add/")
    posted = admin_client.post("/admin/audit/auditevent/add/", {"action": "forged", "prev_hash": "0", "hash": "1"})

    assert response.status_code == 403
    assert posted.status_code == 403
    assert AuditEvent.objects.count() == before
    assert not AuditEvent.objects.filter(action="forged").exists()


@pytest.mark.django_db
def test_audit_admin_change_post_is_forbidden(event, admin_client):
    response = admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"reason": "改写"})

    assert response.status_code == 403
    assert _unchanged(event)


@pytest.mark.django_db
def test_audit_admin_change_page_is_view_only(event, admin_client):
    response = admin_client.get(f"/admin/audit/auditevent/{event.pk}/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert b'name="_save"' not in response.content


@pytest.mark.django_db
def test_audit_admin_delete_page_is_forbidden(event, admin_client):
    response = admin_client.get(f"/admin/audit/auditevent/{event.pk}/delete/")
    posted = admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert posted.status_code == 403
    assert _unchanged(event)


@pytest.mark.django_db
def test_audit_admin_changelist_offers_no_bulk_delete(event, admin_client):
    listing = admin_client.get("/admin/audit/auditevent/")
    posted = admin_client.post(
        "/admin/audit/auditevent/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )

    assert listing.status_code == 200
    action_form = listing.context["action_form"]  # None when the admin offers no action at all
    assert action_form is None or "delete_selected" not in dict(action_form.fields["action"].choices)
    assert posted.status_code in (200, 302)
    assert _unchanged(event)
