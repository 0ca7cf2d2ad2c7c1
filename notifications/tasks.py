from celery import shared_task

from . import services


@shared_task(name="notifications.tasks.deliver", acks_late=True)
def deliver(delivery_id):
    return services.deliver(delivery_id=delivery_id)


@shared_task(name="notifications.tasks.sweep_deliveries")
def sweep_deliveries():
    return services.sweep()
