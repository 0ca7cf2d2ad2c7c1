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


@shared_task(name="recognition.tasks.send_objection_reply", autoretry_for=(Exception,), retry_backoff=60,
             retry_backoff_max=3600, max_retries=6, acks_late=True)
def send_objection_reply(objection_id):
    """The reply mail of one resolved objection; retried on failure, swept by send_objection_replies."""
    from .services import objections

    return objections.send_reply(objection_id=objection_id)


@shared_task(name="recognition.tasks.render_certificate", autoretry_for=(Exception,), retry_backoff=5,
             retry_backoff_max=600, retry_jitter=True, max_retries=6)
def render_certificate(certificate_id):
    """Render one certificate version; a no-op once it is ready (retries and duplicates are harmless)."""
    from .services import certificates

    certificate = certificates.render(certificate_id=certificate_id)
    return certificate.sha256 if certificate else None


@shared_task(name="recognition.tasks.requeue_pending_certificates")
def requeue_pending_certificates():
    from .services import certificates

    return certificates.requeue_stale()
