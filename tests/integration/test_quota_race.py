"""The last quota slot on PostgreSQL: two city staff recommend two applications at the same moment, each on its
own connection; the quota row lock lets exactly one through."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from certification.models import Application, BatchQuota
from certification.queries import quota_used
from certification.services import applications as services
from tests import factories as f
from tests.certification.helpers import wf_batch, wf_submitted, wf_take

pytestmark = pytest.mark.integration


def test_two_simultaneous_city_recommendations_cannot_both_take_the_last_slot(transactional_db, world, settings):
    # Deliveries run in-process (locmem mail) so nothing is left on the shared broker for another worker.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert connection.vendor == "postgresql"
    batch = wf_batch(world.province_user, quota=2)
    second_hz_user = f.member(world.hz, username="hz2")
    ent = f.OrganisationFactory(name="萧山第二装备有限公司", region=f.region("330107"))
    ent_user = f.member(ent)
    # One slot already taken, so two are racing for the last one.
    taken = wf_submitted(world.ent_nb_user, world.ent_nb, batch)  # Ningbo: another city's quota, must not matter
    wf_take(world.nb_user, taken.pk, "city_recommend")
    first = wf_submitted(world.ent_hz_user, world.ent_hz, batch, product_name="甲产品")
    wf_take(world.binjiang_user, first.pk, "county_recommend")
    wf_take(world.hz_user, first.pk, "city_recommend")
    a = wf_submitted(f.member(world.ent_hz_other_county), world.ent_hz_other_county, batch, product_name="乙产品")
    b = wf_submitted(ent_user, ent, batch, product_name="丙产品")
    assert (a.state, b.state) == ("city_review", "city_review")
    city = a.city
    assert quota_used(batch, city) == 1

    barrier = threading.Barrier(2, timeout=10)
    results = {}

    def recommend(user, app):
        try:
            barrier.wait()
            services.decide(actor=user, application_id=app.pk, action="city_recommend", opinion="同意推荐")
            results[app.pk] = "ok"
        except ValidationError as exc:
            results[app.pk] = exc
        except Exception as exc:  # anything else is a failure of the test, reported below
            results[app.pk] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=recommend, args=(world.hz_user, a)),
               threading.Thread(target=recommend, args=(second_hz_user, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)

    outcomes = list(results.values())
    assert outcomes.count("ok") == 1, outcomes
    (refusal,) = [o for o in outcomes if o != "ok"]
    assert isinstance(refusal, ValidationError), repr(refusal)
    assert "名额" in refusal.messages[0]
    states = sorted(Application.objects.filter(pk__in=[a.pk, b.pk]).values_list("state", flat=True))
    assert states == ["city_review", "formal_review"]
    assert quota_used(batch, city) == BatchQuota.objects.get(batch=batch, city=city).quota == 2
