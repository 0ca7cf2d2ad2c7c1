"""Creating notifications (inside the caller's transaction) and delivering them (after commit, retried)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record

from . import kinds
from .models import Delivery, EmailPreference, Notification

log = logging.getLogger(__name__)

# The sweep leaves a fresh delivery to the after-commit task for this long before it steps in.
FIRST_SWEEP_DELAY = timedelta(seconds=60)
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts):
    """Wait before the next try: 1, 2, 4 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def notify(*, recipients, kind, subject, body="", link=""):
    """Write one notification per recipient with its delivery records, in the caller's transaction.

    Side effects: Notification and Delivery rows; after commit, a Celery task per e-mail delivery
    (if the broker is down, the outbox sweep sends it later). Nothing is sent if the transaction rolls back.
    """
    kind_def = kinds.get(kind)
    recipients = [r for r in recipients if r is not None]
    if not recipients:
        return []
    now = timezone.now()
    opted_out = set()
    if kind_def.email_optional:
        opted_out = set(
            EmailPreference.objects.filter(user__in=recipients, kind=kind, enabled=False).values_list("user_id", flat=True)
        )
    created, email_ids = [], []
    with transaction.atomic():
        for user in recipients:
            n = Notification.objects.create(recipient=user, kind=kind, subject=subject, body=body, link=link)
            Delivery.objects.create(notification=n, channel=Delivery.Channel.IN_APP, status=Delivery.Status.SENT,
                                    sent_at=now)
            if user.pk in opted_out or not user.email:
                Delivery.objects.create(
                    notification=n, channel=Delivery.Channel.EMAIL, status=Delivery.Status.SKIPPED,
                    last_error="opted out" if user.pk in opted_out else "no e-mail address",
                )
            else:
                d = Delivery.objects.create(notification=n, channel=Delivery.Channel.EMAIL,
                                            next_attempt_at=now + FIRST_SWEEP_DELAY)
                email_ids.append(d.pk)
            created.append(n)
        if email_ids:
            transaction.on_commit(lambda: enqueue_deliveries(email_ids))
    return created


def enqueue_deliveries(delivery_ids):
    """Hand deliveries to the broker. A broker outage is logged, not raised: the sweep will retry."""
    from .tasks import deliver

    for delivery_id in delivery_ids:
        try:
            deliver.delay(delivery_id)
        except Exception as exc:  # kombu raises several types for an unreachable broker
            log.warning("broker unavailable, delivery %s left to the outbox sweep: %s", delivery_id, exc)
            return


def _claim(delivery_id):
    """Atomically move one pending delivery to 'sending'. Only one worker can win the claim."""
    now = timezone.now()
    with transaction.atomic():
        won = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING, claimed_at=now
        )
    return won == 1


def deliver(*, delivery_id):
    """Send one e-mail delivery if it is still pending. Idempotent: a retry or duplicate message sends nothing.

    Side effects: one e-mail; the delivery row's status, attempts, last error and next attempt.
    """
    if not _claim(delivery_id):
        return False
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    n = delivery.notification
    attempts = delivery.attempts + 1
    try:
        body = n.body
        if n.link:
            more = _("查看详情")
            body = f"{body}\n\n{more}：{settings.SITE_URL}{n.link}"
        EmailMessage(subject=n.subject, body=body, to=[n.recipient.email]).send()
    except Exception as exc:
        failed = attempts >= settings.OUTBOX_MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.FAILED if failed else Delivery.Status.PENDING,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=None if failed else timezone.now() + backoff(attempts),
        )
        log.warning("delivery %s attempt %s failed: %s", delivery_id, attempts, exc)
        return False
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.SENT, attempts=attempts, sent_at=timezone.now(), last_error=""
    )
    return True


def due_deliveries(limit=500):
    """Pending deliveries whose time has come, and 'sending' ones whose worker vanished past the lease."""
    now = timezone.now()
    lease_expired = now - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=lease_expired).update(
        status=Delivery.Status.PENDING, next_attempt_at=now
    )
    return list(
        Delivery.objects.filter(status=Delivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def sweep():
    """Deliver every due delivery in this process. Called by the beat task; safe to run concurrently."""
    sent = 0
    for delivery_id in due_deliveries():
        sent += bool(deliver(delivery_id=delivery_id))
    return sent


def mark_read(*, user, notification_ids=None):
    """Mark the user's notifications (all unread, or the given ids) as read. Returns how many changed.

    Side effects: read_at on the user's own rows. Not audited: it is the user's own reading state
    (docs/decisions.md D9).
    """
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


def set_email_preference(*, user, kind, enabled):
    """Turn the e-mail copy of one kind on or off for a user. Mandatory kinds cannot be turned off.

    Side effects: an EmailPreference row; an audit event when the choice changes.
    """
    kind_def = kinds.get(kind)
    if not kind_def.email_optional and not enabled:
        from django.core.exceptions import ValidationError

        raise ValidationError({"kind": _("此类通知的邮件不能退订。")})
    with transaction.atomic():
        before = EmailPreference.objects.filter(user=user, kind=kind).values_list("enabled", flat=True).first()
        pref, _created = EmailPreference.objects.update_or_create(user=user, kind=kind, defaults={"enabled": enabled})
        if before is None or before != enabled:
            record(action="notifications.email_preference", actor=user, obj=pref,
                   before={"kind": kind, "enabled": True if before is None else before},
                   after={"kind": kind, "enabled": enabled})
    return pref
