from celery import shared_task

from .services import reminders


@shared_task(name="review.tasks.remind_experts")
def remind_experts():
    return reminders.remind_experts()
