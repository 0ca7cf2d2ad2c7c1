"""政府首购 under concurrency on PostgreSQL: each thread on its own connection, released together by a barrier.
Two awards of one purchase at once land once; purchases created at once get distinct numbers; an objection filed
in the notice's last second racing the close and the award never leaves an award with an open objection."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from procurement.models import Purchase, PurchaseObjection, SingleSourceNotice
from procurement.services import awards, notices, objections, purchases
from tests.integration.test_review_concurrency import race
from tests.procurement.builders import buyer_org, buyer_user, end_notice, purchase, purchase_fields, recognition_for

pytestmark = pytest.mark.integration


@pytest.fixture
def eager(settings):
    # Deliveries run in-process (locmem mail) so nothing is left on the shared broker for another worker.
    settings.CELERY_TASK_ALWAYS_EAGER = True


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # a new instance per thread (roles are cached on the object)


def test_two_simultaneous_awards_exactly_one_succeeds(transactional_db, world, eager):
    assert connection.vendor == "postgresql"
    buyer = buyer_user(buyer_org())
    p = purchase(buyer, recognition_for(world.ent_hz), state="pending_award")

    def award(amount):
        user = _fresh(buyer)
        return lambda: awards.record_award(actor=user, purchase_id=p.pk, awarded_on=timezone.localdate(), amount=amount)

    outcomes = race(award("4800000"), award("4700000"))
    won = [o for o in outcomes if isinstance(o, Purchase)]
    lost = [o for o in outcomes if not isinstance(o, Purchase)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], ValidationError) and "已成交" in lost[0].message_dict["__all__"][0]
    stored = Purchase.objects.get(pk=p.pk)
    assert stored.state == Purchase.State.AWARDED and stored.award_amount == won[0].award_amount
    assert AuditEvent.objects.filter(action="purchase.awarded", object_id=str(p.pk)).count() == 1


def test_purchases_created_at_once_get_distinct_numbers(transactional_db, world, eager):
    buyer = buyer_user(buyer_org())
    rec = recognition_for(world.ent_hz)

    def create():
        user = _fresh(buyer)
        return lambda: purchases.create_purchase(
            actor=user, method="single_source", budget=Decimal("5000000"), **purchase_fields(rec)
        )

    outcomes = race(*[create() for _ in range(4)])
    assert all(isinstance(o, Purchase) for o in outcomes), outcomes
    year = timezone.localdate().year
    assert sorted(o.number for o in outcomes) == [f"SG{year}-{n:04d}" for n in range(1, 5)]


@pytest.mark.parametrize("round_", range(3))
def test_an_award_racing_a_last_second_objection_never_lands_with_it_open(transactional_db, world, eager, round_):
    buyer = buyer_user(buyer_org())
    p = purchase(buyer, recognition_for(world.ent_hz), state="notice")
    end_notice(p, ended_days_ago=0)  # the period has just ended; beat has not closed it yet
    ends_at = SingleSourceNotice.objects.get(purchase=p).ends_at

    def object_in_the_last_second():
        # The objector's request arrived in the last second of the period (its clock), the close runs after.
        with mock.patch.object(objections, "_now", return_value=ends_at - dt.timedelta(seconds=1)):
            return objections.submit_objection(
                purchase_id=p.pk, name="张三", phone="13812345678", content="该产品并非唯一供应来源。"
            )

    def close_then_award():
        user = _fresh(buyer)
        notices.close_due_notices()
        return awards.record_award(actor=user, purchase_id=p.pk, awarded_on=timezone.localdate(), amount="4800000")

    filed, awarded = race(object_in_the_last_second, close_then_award)
    stored = Purchase.objects.get(pk=p.pk)
    open_count = PurchaseObjection.objects.filter(notice__purchase=p, state="open").count()
    assert not (stored.state == Purchase.State.AWARDED and open_count), (filed, awarded)
    if isinstance(filed, PurchaseObjection):
        # The objection came first: the close saw the notice, the award saw the objection.
        assert isinstance(awarded, ValidationError) and "异议" in awarded.message_dict["__all__"][0]
        assert stored.state == Purchase.State.PENDING_AWARD and open_count == 1
    else:
        # The close came first: the notice was no longer taking objections.
        assert isinstance(filed, ValidationError) and "公示期" in filed.message_dict["__all__"][0]
        assert isinstance(awarded, Purchase) and stored.state == Purchase.State.AWARDED and open_count == 0


def test_an_award_racing_a_revocation_never_lands_on_the_revoked_recognition(transactional_db, world, eager):
    # The revocation holds the recognition's row lock while it writes; an award checking the validity without
    # that lock would read the old "valid" row and land on a revoked recognition.
    import threading
    import time

    from django.db import transaction

    from recognition.models import Recognition

    buyer = buyer_user(buyer_org())
    rec = recognition_for(world.ent_hz)
    p = purchase(buyer, rec, state="pending_award")
    locked, done = threading.Event(), threading.Event()

    def revoke():
        with transaction.atomic():
            Recognition.objects.select_for_update().get(pk=rec.pk)
            Recognition.objects.filter(pk=rec.pk).update(
                status=Recognition.Status.REVOKED, revoked_at=timezone.now(), revocation_document="浙经信〔2026〕1号"
            )
            locked.set()
            time.sleep(1.0)  # the award starts while the revocation is uncommitted
        done.set()

    def award():
        assert locked.wait(10)
        user = _fresh(buyer)
        return awards.record_award(actor=user, purchase_id=p.pk, awarded_on=timezone.localdate(), amount="4800000")

    _revoked, outcome = race(revoke, award)
    assert done.is_set()
    assert isinstance(outcome, ValidationError) and "撤销" in outcome.message_dict["awarded_on"][0], outcome
    assert Purchase.objects.get(pk=p.pk).state == Purchase.State.PENDING_AWARD
