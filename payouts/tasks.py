"""Celery tasks of 资金拨付: thin, idempotent, each calling one service (beat entries in config/settings.py). A
database that is briefly unavailable (OperationalError) is retried with backoff; a retry repeats nothing: the
proposal is one per claim (unique constraint), the overdue notice once per payout (conditional update)."""

from celery import shared_task
from django.db import OperationalError

RETRY = dict(
    autoretry_for=(OperationalError,), retry_backoff=30, retry_backoff_max=1800, retry_jitter=True, max_retries=5
)


@shared_task(name="payouts.tasks.propose_compensations", **RETRY)
def propose_compensations():
    from .services import proposals

    return proposals.propose_compensations()


@shared_task(name="payouts.tasks.flag_overdue", **RETRY)
def flag_overdue():
    from .services import approvals

    return approvals.flag_overdue()
