"""notify() writes the inbox and the outbox in the caller's transaction; deliver() and sweep() send after commit."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from notifications import kinds, services
from notifications.models import Delivery, EmailPreference, Notification
from notifications.tasks import deliver as deliver_task
from notifications.tasks import sweep_deliveries
from tests import factories as f

REFUSING_BACKEND = "tests.notifications.backends.RefusingEmailBackend"


def _notify(users, kind="system.message", subject="系统维护通知", link="/inbox/"):
    return services.notify(recipients=users, kind=kind, subject=subject, body="今晚22点系统维护。", link=link)


def _email_delivery(notification):
    return Delivery.objects.get(notification=notification, channel=Delivery.Channel.EMAIL)


@pytest.fixture
def user(db):
    return f.UserFactory(username="zhang", email="zhang@example.cn")


@pytest.fixture
def pending_delivery(user, django_capture_on_commit_callbacks):
    """An e-mail delivery written and committed, whose after-commit task never ran (e.g. broker down)."""
    with django_capture_on_commit_callbacks(execute=False):
        (note,) = _notify([user])
    return _email_delivery(note)


# --- notify -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_notify_writes_notification_with_in_app_and_email_deliveries(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notes = _notify([user])

    (note,) = notes
    assert (note.recipient, note.kind, note.subject, note.link) == (user, "system.message", "系统维护通知", "/inbox/")
    in_app = Delivery.objects.get(notification=note, channel="in_app")
    email = _email_delivery(note)
    assert (in_app.status, in_app.sent_at is not None) == ("sent", True)
    assert (email.status, email.attempts) == ("pending", 0)
    assert email.next_attempt_at > timezone.now()  # left to the after-commit task before the sweep steps in
    assert mailoutbox == []


@pytest.mark.django_db
def test_notify_sends_email_once_after_commit_when_eager(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            (note,) = _notify([user])
            assert Notification.objects.filter(pk=note.pk).exists()  # visible in the caller's transaction
        assert mailoutbox == []  # nothing is sent before the outermost commit

    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["zhang@example.cn"]
    assert mailoutbox[0].subject == "系统维护通知"
    assert "http://" in mailoutbox[0].body and "/inbox/" in mailoutbox[0].body
    email = _email_delivery(note)
    assert (email.status, email.attempts, email.last_error) == ("sent", 1, "")
    assert email.sent_at is not None


@pytest.mark.django_db
def test_notify_one_email_per_recipient(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([world.hz_user, world.nb_user, None])

    assert sorted(m.to[0] for m in mailoutbox) == sorted([world.hz_user.email, world.nb_user.email])
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_notify_rolled_back_writes_and_sends_nothing(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _notify([user])
            raise RuntimeError("the caller's write failed")

    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.django_db
def test_notify_without_recipients_writes_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = _notify([None])

    assert result == []
    assert Notification.objects.count() == 0
    assert callbacks == []


@pytest.mark.django_db
def test_notify_recipient_without_email_gets_in_app_only(mailoutbox, django_capture_on_commit_callbacks):
    no_mail = f.UserFactory(email="")

    with django_capture_on_commit_callbacks(execute=True):
        (note,) = _notify([no_mail])

    email = _email_delivery(note)
    assert (email.status, email.last_error) == ("skipped", "no e-mail address")
    assert Delivery.objects.get(notification=note, channel="in_app").status == "sent"
    assert mailoutbox == []


@pytest.mark.django_db
def test_notify_unknown_kind_is_refused(user):
    with pytest.raises(ValueError, match="unknown notification kind"):
        _notify([user], kind="no.such.kind")

    assert Notification.objects.count() == 0


# --- preferences ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_opted_out_kind_creates_skipped_delivery_and_sends_nothing(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    other = f.UserFactory(email="li@example.cn")
    services.set_email_preference(user=user, kind="system.message", enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        mine, theirs = _notify([user, other])

    email = _email_delivery(mine)
    assert (email.status, email.last_error, email.attempts) == ("skipped", "opted out", 0)
    assert Delivery.objects.get(notification=mine, channel="in_app").status == "sent"
    assert _email_delivery(theirs).status == "sent"
    assert [m.to for m in mailoutbox] == [["li@example.cn"]]


@pytest.mark.django_db
def test_opting_back_in_sends_again(user, mailoutbox, django_capture_on_commit_callbacks):
    services.set_email_preference(user=user, kind="system.message", enabled=False)
    services.set_email_preference(user=user, kind="system.message", enabled=True)

    with django_capture_on_commit_callbacks(execute=True):
        _notify([user])

    assert len(mailoutbox) == 1
    assert EmailPreference.objects.get(user=user, kind="system.message").enabled is True


@pytest.mark.parametrize("kind", [k.code for k in kinds.KINDS.values() if not k.email_optional])
@pytest.mark.django_db
def test_mandatory_kind_cannot_be_opted_out(user, kind):
    with pytest.raises(ValidationError) as exc:
        services.set_email_preference(user=user, kind=kind, enabled=False)

    assert exc.value.message_dict == {"kind": ["此类通知的邮件不能退订。"]}
    assert not EmailPreference.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_mandatory_kind_is_emailed_even_with_a_stale_opt_out_row(user, mailoutbox, django_capture_on_commit_callbacks):
    # e.g. a row written before the kind became mandatory
    EmailPreference.objects.create(user=user, kind="org.approved", enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        _notify([user], kind="org.approved", subject="单位注册已审核通过")

    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_preference_change_is_audited_once_per_change(user):
    services.set_email_preference(user=user, kind="org.review_requested", enabled=False)
    services.set_email_preference(user=user, kind="org.review_requested", enabled=False)  # no change
    services.set_email_preference(user=user, kind="org.review_requested", enabled=True)

    events = list(AuditEvent.objects.filter(action="notifications.email_preference").order_by("id"))
    assert [(e.before["enabled"], e.after["enabled"]) for e in events] == [(True, False), (False, True)]
    assert all(e.actor == user for e in events)


# --- deliver ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deliver_twice_sends_one_email(pending_delivery, mailoutbox):
    first = services.deliver(delivery_id=pending_delivery.pk)
    second = services.deliver(delivery_id=pending_delivery.pk)

    assert (first, second) == (True, False)
    assert len(mailoutbox) == 1
    assert Delivery.objects.get(pk=pending_delivery.pk).attempts == 1


@pytest.mark.django_db
def test_deliver_task_is_idempotent_too(pending_delivery, mailoutbox):
    deliver_task.delay(pending_delivery.pk)
    deliver_task.delay(pending_delivery.pk)

    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_deliver_skips_delivery_another_worker_is_sending(pending_delivery, mailoutbox):
    Delivery.objects.filter(pk=pending_delivery.pk).update(status="sending", claimed_at=timezone.now())

    sent = services.deliver(delivery_id=pending_delivery.pk)

    assert sent is False
    assert mailoutbox == []


@pytest.mark.django_db
def test_deliver_with_failing_backend_leaves_pending_with_error_and_backoff(pending_delivery, mailoutbox, settings):
    settings.EMAIL_BACKEND = REFUSING_BACKEND
    started = timezone.now()

    sent = services.deliver(delivery_id=pending_delivery.pk)

    finished = timezone.now()
    d = Delivery.objects.get(pk=pending_delivery.pk)
    assert sent is False
    assert (d.status, d.attempts) == ("pending", 1)
    assert d.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert started + timedelta(minutes=1) <= d.next_attempt_at <= finished + timedelta(minutes=1)
    assert d.sent_at is None
    assert mailoutbox == []


@pytest.mark.django_db
def test_deliver_backoff_doubles_then_fails_after_max_attempts(pending_delivery, settings):
    settings.EMAIL_BACKEND = REFUSING_BACKEND
    waits = []

    for attempt in range(1, settings.OUTBOX_MAX_ATTEMPTS):
        started = timezone.now()
        services.deliver(delivery_id=pending_delivery.pk)
        d = Delivery.objects.get(pk=pending_delivery.pk)
        assert (d.status, d.attempts) == ("pending", attempt)
        waits.append(d.next_attempt_at - started)
    services.deliver(delivery_id=pending_delivery.pk)

    d = Delivery.objects.get(pk=pending_delivery.pk)
    assert (d.status, d.attempts, d.next_attempt_at) == ("failed", settings.OUTBOX_MAX_ATTEMPTS, None)
    assert d.last_error.startswith("ConnectionRefusedError")
    expected = [min(timedelta(minutes=2**i), timedelta(hours=1)) for i in range(len(waits))]
    assert all(exp <= got < exp + timedelta(seconds=5) for got, exp in zip(waits, expected, strict=True))
    assert services.deliver(delivery_id=pending_delivery.pk) is False  # a failed delivery is not retried


@pytest.mark.django_db
def test_deliver_fails_at_a_lower_configured_limit(pending_delivery, settings):
    settings.EMAIL_BACKEND = REFUSING_BACKEND
    settings.OUTBOX_MAX_ATTEMPTS = 2

    services.deliver(delivery_id=pending_delivery.pk)
    services.deliver(delivery_id=pending_delivery.pk)

    assert Delivery.objects.get(pk=pending_delivery.pk).status == "failed"


@pytest.mark.django_db
def test_deliver_succeeds_after_a_failure_and_clears_the_error(pending_delivery, mailoutbox, settings):
    settings.EMAIL_BACKEND = REFUSING_BACKEND
    services.deliver(delivery_id=pending_delivery.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    sent = services.deliver(delivery_id=pending_delivery.pk)

    d = Delivery.objects.get(pk=pending_delivery.pk)
    assert sent is True
    assert (d.status, d.attempts, d.last_error) == ("sent", 2, "")
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(("attempts", "minutes"), [(0, 1), (1, 1), (2, 2), (3, 4), (4, 8), (6, 32), (7, 60), (20, 60)])
def test_backoff_doubles_up_to_an_hour(attempts, minutes):
    assert services.backoff(attempts) == timedelta(minutes=minutes)


# --- sweep ------------------------------------------------------------------------------------------


def _delivery_in(user, django_capture_on_commit_callbacks, **state):
    with django_capture_on_commit_callbacks(execute=False):
        (note,) = _notify([user], subject=f"通知 {state}")
    Delivery.objects.filter(notification=note, channel="email").update(**state)
    return _email_delivery(note)


@pytest.mark.django_db
def test_sweep_sends_due_and_stale_sending_deliveries_only(
    user, mailoutbox, settings, django_capture_on_commit_callbacks
):
    now = timezone.now()
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    due = _delivery_in(user, django_capture_on_commit_callbacks, next_attempt_at=now - timedelta(seconds=1))
    due_unscheduled = _delivery_in(user, django_capture_on_commit_callbacks, next_attempt_at=None)
    not_yet = _delivery_in(user, django_capture_on_commit_callbacks, next_attempt_at=now + timedelta(minutes=5))
    stale = _delivery_in(
        user, django_capture_on_commit_callbacks, status="sending", claimed_at=now - lease - timedelta(seconds=5)
    )
    in_flight = _delivery_in(
        user, django_capture_on_commit_callbacks, status="sending", claimed_at=now - timedelta(seconds=5)
    )
    failed = _delivery_in(user, django_capture_on_commit_callbacks, status="failed", next_attempt_at=None)

    sent = services.sweep()

    status = dict(Delivery.objects.filter(channel="email").values_list("pk", "status"))
    assert sent == 3
    assert {
        k: status[d.pk]
        for k, d in [
            ("due", due),
            ("due_unscheduled", due_unscheduled),
            ("not_yet", not_yet),
            ("stale", stale),
            ("in_flight", in_flight),
            ("failed", failed),
        ]
    } == {
        "due": "sent",
        "due_unscheduled": "sent",
        "not_yet": "pending",
        "stale": "sent",
        "in_flight": "sending",
        "failed": "failed",
    }
    assert len(mailoutbox) == 3


@pytest.mark.django_db
def test_due_deliveries_resets_stale_sending_to_pending(user, settings, django_capture_on_commit_callbacks):
    claimed = timezone.now() - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 60)
    stale = _delivery_in(user, django_capture_on_commit_callbacks, status="sending", claimed_at=claimed)

    due = services.due_deliveries()

    assert due == [stale.pk]
    assert Delivery.objects.get(pk=stale.pk).status == "pending"


@pytest.mark.django_db
def test_sweep_retries_failing_delivery_only_when_due(pending_delivery, mailoutbox, settings):
    Delivery.objects.filter(pk=pending_delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    settings.EMAIL_BACKEND = REFUSING_BACKEND

    first = services.sweep()
    second = services.sweep()  # the failure pushed next_attempt_at a minute ahead

    d = Delivery.objects.get(pk=pending_delivery.pk)
    assert (first, second) == (0, 0)
    assert (d.status, d.attempts) == ("pending", 1)


@pytest.mark.django_db
def test_sweep_task_runs_the_sweep(pending_delivery, mailoutbox):
    Delivery.objects.filter(pk=pending_delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    result = sweep_deliveries.delay().get()

    assert result == 1
    assert len(mailoutbox) == 1


# --- mark_read --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mark_read_touches_only_the_users_own_notifications(user):
    other = f.UserFactory()
    (theirs,) = _notify([other])
    mine = [_notify([user])[0] for _ in range(3)]

    marked = services.mark_read(user=user, notification_ids=[mine[0].pk, theirs.pk])
    rest = services.mark_read(user=user)

    assert (marked, rest) == (1, 2)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
