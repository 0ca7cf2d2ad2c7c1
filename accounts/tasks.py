from celery import shared_task

from . import services


@shared_task(name="accounts.tasks.purge_unverified_registrations")
def purge_unverified_registrations():
    return services.expire_unverified_registrations()
