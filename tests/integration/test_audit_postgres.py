"""The audit log on PostgreSQL: the append-only trigger, tamper detection, and the chain under concurrency."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from audit import services as audit
from audit.models import AuditEvent

pytestmark = pytest.mark.integration


def _trigger_state():
    """pg_trigger.tgenabled of the append-only trigger: 'O' enabled, 'D' disabled."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_event_no_update_delete' "
            "AND tgrelid = 'audit_auditevent'::regclass"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _events(n):
    return [audit.record(action="test.event", object_type="test", object_id=str(i), after={"i": i}) for i in range(n)]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET reason = 'tampered' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_trigger_refuses_update_and_delete(db, sql):
    events = _events(3)
    assert _trigger_state() == "O"
    target = events[1]
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():  # a savepoint: the test transaction survives
        with connection.cursor() as cursor:
            cursor.execute(sql, [target.pk])
    assert "append-only" in str(excinfo.value)
    assert excinfo.value.__cause__.sqlstate == "42501"  # insufficient_privilege, raised by the trigger
    assert AuditEvent.objects.get(pk=target.pk).reason == ""
    assert AuditEvent.objects.count() == 3


def test_trigger_refuses_orm_update_and_delete(db):
    (event,) = _events(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, reason="").exists()


def test_tampering_with_trigger_disabled_is_detected_by_verify_audit(db, capsys):
    events = _events(5)
    call_command("verify_audit")
    assert "OK: 5 events verified" in capsys.readouterr().out

    target = events[2]
    with connection.cursor() as cursor:
        # What a superuser (or an attacker with the table owner's rights) could do.
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        try:
            assert _trigger_state() == "D"
            cursor.execute("UPDATE audit_auditevent SET reason = 'changed afterwards' WHERE id = %s", [target.pk])
            assert cursor.rowcount == 1
        finally:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    assert _trigger_state() == "O"

    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit")
    message = str(excinfo.value)
    assert f"#{target.pk} " in message
    assert "does not match its hash" in message
    assert "2 events before it verified" in message


def test_deleting_an_event_with_trigger_disabled_is_detected(db):
    events = _events(4)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        try:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
        finally:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit")
    # The event after the gap no longer links to its predecessor.
    assert f"#{events[2].pk} " in str(excinfo.value)
    assert "prev_hash" in str(excinfo.value)


def test_concurrent_appends_keep_one_chain(transactional_db):
    """Threads (each with its own PostgreSQL connection) append at once: the advisory lock keeps one chain."""
    threads_n, per_thread = 8, 25
    barrier = threading.Barrier(threads_n)
    errors = []

    def append(t):
        try:
            barrier.wait(timeout=10)
            for i in range(per_thread):
                # Some events in a longer transaction with other work, as services do.
                with transaction.atomic():
                    audit.record(
                        action="test.concurrent",
                        object_type="thread",
                        object_id=f"{t}-{i}",
                        after={"thread": t, "i": i},
                    )
                    if i % 5 == 0:
                        audit.record(action="test.concurrent.second", object_type="thread", object_id=f"{t}-{i}b")
        except Exception as exc:  # reported below: an exception in a thread would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors
    assert not any(th.is_alive() for th in threads)

    expected = threads_n * (per_thread + per_thread // 5)
    assert AuditEvent.objects.count() == expected
    checked, broken, problem = audit.verify_chain()
    assert (checked, broken, problem) == (expected, None, "")
    # No fork: every prev_hash is used exactly once, and the chain follows id order.
    prev_hashes = list(AuditEvent.objects.order_by("id").values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == expected
    call_command("verify_audit")
