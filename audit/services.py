"""Writing to and verifying the audit log."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from .context import current
from .models import GENESIS_HASH, AuditEvent

# Any constant works; it names the one advisory lock that serialises appends on PostgreSQL.
_CHAIN_LOCK_KEY = 7_412_301


def _plain(value):
    """What the JSON column will give back, so the stored value hashes the same as the one we hash now."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _lock_chain():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite runs with IMMEDIATE transactions: the write lock is already held by this transaction.


def record(*, action, actor=None, organisation=None, obj=None, before=None, after=None, reason="",
           object_type=None, object_id=None, object_repr=None):
    """Append one event to the chain, in the caller's transaction.

    Side effects: one AuditEvent row; on PostgreSQL, a transaction-scoped advisory lock that serialises
    appends until the caller's transaction ends.
    """
    ctx = current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            created_at=timezone.now(),
            actor=actor,
            actor_repr=(str(actor)[:150] if actor else ""),
            organisation=organisation,
            action=action,
            object_type=object_type if object_type is not None else (obj._meta.label if obj is not None else ""),
            object_id=str(object_id if object_id is not None else (obj.pk if obj is not None else "")),
            object_repr=(object_repr if object_repr is not None else (str(obj) if obj is not None else ""))[:200],
            before=_plain(before),
            after=_plain(after),
            reason=reason or "",
            ip=ctx.ip,
            request_id=ctx.request_id,
            prev_hash=last or GENESIS_HASH,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
    return event


def snapshot(obj, fields):
    """The audit 'before'/'after' view of a model instance: the named fields as JSON-ready values."""
    data = {}
    for name in fields:
        field = obj._meta.get_field(name)
        data[name] = getattr(obj, field.attname)
    return _plain(data)


def verify_chain(batch_size=2000):
    """Walk the chain in id order. Returns (checked_count, first_broken_event_or_None, problem)."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        events = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not events:
            return checked, None, ""
        for event in events:
            if event.prev_hash != expected_prev:
                return checked, event, "prev_hash"
            if event.compute_hash() != event.hash:
                return checked, event, "hash"
            expected_prev = event.hash
            checked += 1
            last_id = event.id
