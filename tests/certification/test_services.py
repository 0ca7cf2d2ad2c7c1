"""Application services: receipts, deadlines, duplicates, the recommendation chain, quotas, withdrawal,
notifications and audit events."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from certification.models import Application, Batch
from certification.queries import quota_used
from certification.services import applications as services
from notifications.models import Notification
from tests import factories as f
from tests.certification.helpers import wf_batch, wf_draft, wf_in_state, wf_submitted, wf_take


def _state(app):
    return Application.objects.get(pk=app.pk).state


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@pytest.mark.django_db
def test_receipt_numbers_are_sequential_and_unique_per_batch(world):
    first = wf_batch(world.province_user)
    second = wf_batch(world.province_user, name="第二批")

    a = [wf_submitted(world.ent_hz_user, world.ent_hz, first, product_name=f"产品{i}").number for i in range(3)]
    b = [wf_submitted(world.ent_nb_user, world.ent_nb, second, product_name=f"产品{i}").number for i in range(2)]
    c = wf_submitted(world.ent_nb_user, world.ent_nb, first, product_name="宁波产品").number

    assert a == ["2026-00001", "2026-00002", "2026-00003"]
    assert b == ["2026-00001", "2026-00002"]
    assert c == "2026-00004"


@pytest.mark.django_db
def test_drafts_get_no_number_and_withdrawn_drafts_do_not_use_one(world):
    batch = wf_batch(world.province_user)
    draft = wf_draft(world.ent_hz_user, world.ent_hz, batch, product_name="草稿")
    wf_take(world.ent_hz_user, draft.pk, "withdraw")

    app = wf_submitted(world.ent_hz_user, world.ent_hz, batch)

    assert Application.objects.get(pk=draft.pk).number == ""
    assert app.number == "2026-00001"


@pytest.mark.django_db
def test_submission_after_the_close_is_refused_with_the_deadline(world):
    batch = wf_batch(world.province_user)
    app = wf_draft(world.ent_hz_user, world.ent_hz, batch)
    closed_at = timezone.now() - dt.timedelta(hours=1)
    Batch.objects.filter(pk=batch.pk).update(closes_at=closed_at)

    with pytest.raises(ValidationError) as exc:
        services.submit(actor=world.ent_hz_user, application_id=app.pk)

    assert _local(closed_at) in exc.value.message_dict["batch"][0]
    fresh = Application.objects.get(pk=app.pk)
    assert (fresh.state, fresh.number, fresh.revisions.count()) == ("draft", "", 0)


@pytest.mark.django_db
def test_submission_after_the_close_answers_400_with_the_deadline_through_the_api(world, client):
    batch = wf_batch(world.province_user)
    app = wf_draft(world.ent_hz_user, world.ent_hz, batch)
    closed_at = timezone.now() - dt.timedelta(minutes=5)
    Batch.objects.filter(pk=batch.pk).update(closes_at=closed_at)
    client.force_login(world.ent_hz_user)

    response = client.post(f"/api/v1/applications/{app.pk}/submit/")

    assert response.status_code == 400
    assert _local(closed_at) in response.json()["error"]["fields"]["batch"][0]
    assert _state(app) == "draft"


@pytest.mark.parametrize("action", ["county_recommend", "county_return", "county_decline"])
@pytest.mark.django_db
def test_local_recommendation_after_the_deadline_is_refused(world, action):
    batch = wf_batch(world.province_user)
    app = wf_submitted(world.ent_hz_user, world.ent_hz, batch)
    now = timezone.now()
    Batch.objects.filter(pk=batch.pk).update(closes_at=now - dt.timedelta(hours=2),
                                             recommend_deadline=now - dt.timedelta(hours=1))

    with pytest.raises(ValidationError) as exc:
        wf_take(world.binjiang_user, app.pk, action)

    assert _local(now - dt.timedelta(hours=1)) in exc.value.message_dict["batch"][0]
    assert _state(app) == "county_review"


@pytest.mark.django_db
def test_formal_review_is_not_bound_by_the_local_deadline(world):
    batch = wf_batch(world.province_user)
    app = wf_in_state(world, batch, "formal_review")
    now = timezone.now()
    Batch.objects.filter(pk=batch.pk).update(closes_at=now - dt.timedelta(hours=2),
                                             recommend_deadline=now - dt.timedelta(hours=1))

    assert wf_take(world.province_user, app.pk, "formal_pass").state == "passed"


@pytest.mark.django_db
def test_same_product_twice_in_a_batch_is_refused_until_withdrawn(world, client):
    batch = wf_batch(world.province_user)
    first = wf_submitted(world.ent_hz_user, world.ent_hz, batch)

    with pytest.raises(ValidationError) as exc:
        wf_draft(world.ent_hz_user, world.ent_hz, batch)
    assert "product_name" in exc.value.message_dict

    client.force_login(world.ent_hz_user)
    response = client.post("/api/v1/applications/", {
        "batch": batch.pk, "product_name": first.product_name, "model_spec": first.model_spec,
        "category": "equipment", "declared_level": "domestic", "field": "robotics"}, content_type="application/json")
    assert response.status_code == 400 and "product_name" in response.json()["error"]["fields"]
    assert Application.objects.count() == 1

    # Another model of the same product is a different product; another enterprise may declare the same one.
    wf_draft(world.ent_hz_user, world.ent_hz, batch, model_spec="HZ-5X-1000")
    wf_draft(world.ent_nb_user, world.ent_nb, batch)

    wf_take(world.ent_hz_user, first.pk, "withdraw")
    again = wf_submitted(world.ent_hz_user, world.ent_hz, batch)
    assert again.state == "county_review"


@pytest.mark.django_db
def test_editing_a_draft_into_a_duplicate_is_refused(world):
    batch = wf_batch(world.province_user)
    wf_draft(world.ent_hz_user, world.ent_hz, batch)
    other = wf_draft(world.ent_hz_user, world.ent_hz, batch, model_spec="OTHER")

    with pytest.raises(ValidationError) as exc:
        services.update_draft(actor=world.ent_hz_user, application_id=other.pk, model_spec="HZ-5X-800")

    assert "product_name" in exc.value.message_dict
    assert Application.objects.get(pk=other.pk).model_spec == "OTHER"


# Reach a level, return from it, resubmit: the application goes back to that level.
RETURNS = {
    "county_review": ("binjiang_user", "county_return", "county"),
    "city_review": ("hz_user", "city_return", "city"),
    "formal_review": ("province_user", "formal_return", "province"),
}


@pytest.mark.parametrize("level", list(RETURNS))
@pytest.mark.django_db
def test_resubmission_goes_back_to_the_level_that_returned_it(world, level):
    batch = wf_batch(world.province_user)
    app = wf_in_state(world, batch, level)
    who, action, stage = RETURNS[level]

    returned = wf_take(getattr(world, who), app.pk, action, items=["补充检测报告"])
    assert (returned.state, returned.returned_stage) == ("returned", stage)
    services.update_draft(actor=world.ent_hz_user, application_id=app.pk, innovation_points="补正后的创新点")
    resubmitted = wf_take(world.ent_hz_user, app.pk, "resubmit")

    assert resubmitted.state == level
    assert resubmitted.returned_stage == ""
    assert resubmitted.revisions.count() == 2
    assert resubmitted.number == app.number  # the receipt number stays


@pytest.mark.django_db
def test_a_returned_application_cannot_be_resubmitted_incomplete(world):
    batch = wf_batch(world.province_user)
    app = wf_in_state(world, batch, "returned")
    services.update_draft(actor=world.ent_hz_user, application_id=app.pk, indicators=[])

    with pytest.raises(ValidationError) as exc:
        wf_take(world.ent_hz_user, app.pk, "resubmit")

    assert "indicators" in exc.value.message_dict
    assert _state(app) == "returned"


@pytest.mark.django_db
def test_region_without_a_county_bureau_goes_straight_to_the_city(world):
    batch = wf_batch(world.province_user)

    nb = wf_submitted(world.ent_nb_user, world.ent_nb, batch)
    xs = wf_submitted(f.member(world.ent_hz_other_county), world.ent_hz_other_county, batch)
    bj = wf_submitted(world.ent_hz_user, world.ent_hz, batch)

    assert (nb.state, nb.county_step) == ("city_review", False)
    assert (xs.state, xs.county_step) == ("city_review", False)
    assert (bj.state, bj.county_step) == ("county_review", True)
    assert Notification.objects.filter(recipient=world.nb_user, kind="application.to_review").count() == 1
    assert Notification.objects.filter(recipient=world.hz_user, kind="application.to_review").count() == 1


@pytest.mark.django_db
def test_city_quota_cannot_be_exceeded(world):
    batch = wf_batch(world.province_user, quota=1)
    first = wf_submitted(world.ent_nb_user, world.ent_nb, batch, product_name="甲")
    second = wf_submitted(world.ent_nb_user, world.ent_nb, batch, product_name="乙")
    wf_take(world.nb_user, first.pk, "city_recommend")

    with pytest.raises(ValidationError) as exc:
        wf_take(world.nb_user, second.pk, "city_recommend")

    assert "名额" in exc.value.messages[0]
    assert _state(second) == "city_review"
    assert quota_used(batch, first.city) == 1
    # Returning or declining does not count against the quota.
    assert wf_take(world.nb_user, second.pk, "city_return").state == "returned"


@pytest.mark.django_db
def test_quotas_are_per_city(world):
    batch = wf_batch(world.province_user, quota=1)
    nb = wf_submitted(world.ent_nb_user, world.ent_nb, batch)
    hz = wf_in_state(world, batch, "city_review")

    wf_take(world.nb_user, nb.pk, "city_recommend")

    assert wf_take(world.hz_user, hz.pk, "city_recommend").state == "formal_review"


@pytest.mark.django_db
def test_withdrawal_frees_the_quota_slot(world):
    batch = wf_batch(world.province_user, quota=1)
    first = wf_submitted(world.ent_nb_user, world.ent_nb, batch, product_name="甲")
    second = wf_submitted(world.ent_nb_user, world.ent_nb, batch, product_name="乙")
    wf_take(world.nb_user, first.pk, "city_recommend")
    assert quota_used(batch, first.city) == 1

    wf_take(world.ent_nb_user, first.pk, "withdraw")

    assert quota_used(batch, first.city) == 0
    assert wf_take(world.nb_user, second.pk, "city_recommend").state == "formal_review"
    assert quota_used(batch, first.city) == 1


def _inbox(user, kind=None):
    qs = Notification.objects.filter(recipient=user)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("id").values_list("kind", flat=True))


@pytest.mark.django_db
def test_notifications_at_each_transition_reach_the_enterprise_and_the_next_bureau(world):
    batch = wf_batch(world.province_user)
    app = wf_draft(world.ent_hz_user, world.ent_hz, batch)
    Notification.objects.all().delete()  # the batch announcement

    wf_take(world.ent_hz_user, app.pk, "submit")
    assert _inbox(world.ent_hz_user) == ["application.received"]
    assert _inbox(world.binjiang_user) == ["application.to_review"]
    assert _inbox(world.hz_user) == [] and _inbox(world.province_user) == []

    wf_take(world.binjiang_user, app.pk, "county_recommend")
    assert _inbox(world.ent_hz_user)[-1] == "application.decision"
    assert _inbox(world.hz_user) == ["application.to_review"]

    wf_take(world.hz_user, app.pk, "city_return", items=["补充销售合同"])
    decision = Notification.objects.filter(recipient=world.ent_hz_user).latest("id")
    assert decision.kind == "application.decision" and "补充销售合同" in decision.body
    assert _inbox(world.province_user) == []

    wf_take(world.ent_hz_user, app.pk, "resubmit")
    assert _inbox(world.hz_user) == ["application.to_review", "application.to_review"]

    wf_take(world.hz_user, app.pk, "city_recommend")
    assert _inbox(world.province_user) == ["application.to_review"]

    wf_take(world.province_user, app.pk, "formal_pass")
    assert _inbox(world.ent_hz_user)[-1] == "application.decision"
    assert _inbox(world.ent_nb_user) == [] and _inbox(world.nb_user) == []  # nobody else hears of it


@pytest.mark.django_db
def test_withdrawal_notifies_the_bureau_that_holds_it(world):
    batch = wf_batch(world.province_user)
    app = wf_in_state(world, batch, "city_review")
    Notification.objects.all().delete()

    wf_take(world.ent_hz_user, app.pk, "withdraw", opinion="产品停产")

    notes = Notification.objects.filter(kind="application.withdrawn")
    assert {n.recipient for n in notes} == {world.hz_user}
    assert "产品停产" in notes.get().body


@pytest.mark.django_db
def test_every_transition_writes_an_audit_event(world):
    batch = wf_batch(world.province_user)
    app = wf_draft(world.ent_hz_user, world.ent_hz, batch)
    services.update_draft(actor=world.ent_hz_user, application_id=app.pk, innovation_points="改")
    for who, action in [("ent_hz_user", "submit"), ("binjiang_user", "county_return"), ("ent_hz_user", "resubmit"),
                        ("binjiang_user", "county_recommend"), ("hz_user", "city_recommend"),
                        ("province_user", "formal_reject")]:
        wf_take(getattr(world, who), app.pk, action)

    events = AuditEvent.objects.filter(object_type="certification.Application", object_id=str(app.pk)).order_by("id")
    assert [e.action for e in events] == [
        "application.created", "application.edited", "application.submitted", "application.county_return",
        "application.resubmitted", "application.county_recommend", "application.city_recommend",
        "application.formal_reject",
    ]
    last = events.last()
    assert (last.actor, last.organisation) == (world.province_user, world.province)
    assert (last.before["state"], last.after["state"]) == ("formal_review", "rejected")
    assert last.reason == "意见：测试"
    returned = events.get(action="application.county_return")
    assert returned.organisation == world.binjiang and returned.after["items"] == ["补充检测报告"]
