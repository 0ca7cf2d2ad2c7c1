from celery import shared_task

from .services import batches


@shared_task(name="certification.tasks.close_due_batches")
def close_due_batches():
    return batches.close_due_batches()
