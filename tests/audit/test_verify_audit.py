"""verify_audit walks the hash chain and names the first event that was altered or follows a gap."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import AuditEvent
from audit.services import record, verify_chain


def _raw(sql, params):
    """Change the table behind the application's back, as a tamperer with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the append-only trigger exists only there
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")


def _chain(world, n=5):
    """n events with the kinds of content real events carry: Chinese text, decimals, datetimes, nested JSON."""
    events = []
    for i in range(n):
        events.append(
            record(
                action=f"test.step{i}",
                actor=world.hz_user,
                organisation=world.hz,
                obj=world.ent_hz,
                before={"amount": Decimal("1234.50"), "status": "pending", "n": i},
                after={
                    "amount": Decimal("2000.00"),
                    "when": dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
                    "list": [1, "二", None],
                },
                reason=f"第{i}步",
            )
        )
    return events


def _verify():
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_verify_audit_on_empty_log_prints_ok():
    assert _verify().startswith("OK: 0 events verified")


@pytest.mark.django_db
def test_verify_audit_on_intact_chain_prints_ok(world):
    _chain(world)
    total = AuditEvent.objects.count()
    last = AuditEvent.objects.order_by("-id").first()

    output = _verify()

    assert output.startswith(f"OK: {total} events verified")
    assert last.hash in output


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("reason", "改过的理由"),
        ("after", '{"amount": "9999999.00"}'),
        ("actor_id", None),
        ("ip", "10.0.0.1"),
        ("created_at", "2020-01-01 00:00:00"),
    ],
)
@pytest.mark.django_db
def test_verify_audit_names_the_event_whose_content_was_changed(world, column, value):
    events = _chain(world)
    target = events[2]
    _raw(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, target.pk])

    with pytest.raises(CommandError) as exc:
        _verify()

    message = str(exc.value)
    assert f"#{target.pk} " in message
    assert "content does not match its hash" in message
    assert f"{AuditEvent.objects.filter(id__lt=target.pk).count()} events before it verified" in message


@pytest.mark.django_db
def test_verify_audit_detects_rewritten_hash_at_the_next_event(world):
    events = _chain(world)
    target, following = events[1], events[2]
    tampered = AuditEvent.objects.get(pk=target.pk)
    tampered.reason = "掩盖"
    forged_hash = tampered.compute_hash()  # a tamperer who rehashes the row they changed
    _raw("UPDATE audit_auditevent SET reason = %s, hash = %s WHERE id = %s", ["掩盖", forged_hash, target.pk])

    with pytest.raises(CommandError) as exc:
        _verify()

    assert f"#{following.pk} " in str(exc.value)
    assert "prev_hash does not match" in str(exc.value)


@pytest.mark.django_db
def test_verify_audit_detects_deleted_middle_event(world):
    events = _chain(world)
    deleted, following = events[2], events[3]
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [deleted.pk])

    with pytest.raises(CommandError) as exc:
        _verify()

    assert f"#{following.pk} " in str(exc.value)
    assert "prev_hash does not match" in str(exc.value)


@pytest.mark.django_db
def test_verify_audit_detects_deleted_first_event(world):
    events = _chain(world)
    first_id = AuditEvent.objects.order_by("id").values_list("id", flat=True).first()
    second_id = AuditEvent.objects.filter(id__gt=first_id).order_by("id").values_list("id", flat=True).first()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [first_id])

    with pytest.raises(CommandError) as exc:
        _verify()

    assert f"#{second_id} " in str(exc.value)
    assert events  # the chain was there to begin with


@pytest.mark.django_db
def test_verify_chain_finds_break_across_batch_boundaries(world):
    events = _chain(world, n=7)
    _raw("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["x", events[5].pk])

    checked, broken, problem = verify_chain(batch_size=2)

    assert broken.pk == events[5].pk
    assert problem == "hash"
    assert checked == AuditEvent.objects.filter(id__lt=events[5].pk).count()


@pytest.mark.django_db
def test_verify_chain_in_small_batches_accepts_intact_chain(world):
    _chain(world, n=7)

    checked, broken, _problem = verify_chain(batch_size=2)

    assert broken is None
    assert checked == AuditEvent.objects.count()


@pytest.mark.django_db
def test_stored_event_hashes_the_same_after_reading_back(world):
    event = _chain(world, n=1)[0]

    stored = AuditEvent.objects.get(pk=event.pk)

    assert stored.compute_hash() == stored.hash == event.hash
