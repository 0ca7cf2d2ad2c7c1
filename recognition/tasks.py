"""Celery tasks of notices and recognitions: thin, idempotent, each calling one service."""

from celery import shared_task


@shared_task(name="recognition.tasks.close_due_notices")
def close_due_notices():
    from .services import notices

    return notices.close_due_notices()


@shared_task(name="recognition.tasks.send_objection_replies")
def send_objection_replies():
    from .services import objections

    return objections.send_pending_replies()


@shared_task(name="recognition.tasks.expire_recognitions")
def expire_recognitions():
    from .services import recognitions

    return recognitions.expire_recognitions()
