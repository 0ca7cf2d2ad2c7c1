"""Celery tasks of 政府首购: thin, idempotent, each calling one service (beat entries in config/settings.py)."""

from celery import shared_task


@shared_task(name="procurement.tasks.close_due_notices")
def close_due_notices():
    from .services import notices

    return notices.close_due_notices()


@shared_task(name="procurement.tasks.send_objection_replies")
def send_objection_replies():
    from .services import objections

    return objections.send_objection_replies()


@shared_task(
    name="procurement.tasks.send_objection_reply",
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=6,
    acks_late=True,
)
def send_objection_reply(objection_id):
    """The reply mail to one objector whose objection was answered; retried on failure, swept by
    send_objection_replies; sent once however often it runs."""
    from .services import objections

    return objections.send_reply(objection_id=objection_id)
