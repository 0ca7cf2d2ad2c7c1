"""Defects found in the review of the expert-review feature: each test failed before its fix."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from certification.models import Application
from review import queries
from review.models import Assignment, Proposal, ReviewRound, ScoreSheet
from review.services import assignments, proposals, rounds, sheets

from .api_helpers import API, call, declare_and_submit, fields_of
from .builders import closed_batch, experts, passed_application, review_round, score_all, started_round

pytestmark = pytest.mark.django_db

POINTS = [Decimal("24"), Decimal("20"), Decimal("12"), Decimal("12"), Decimal("12")]  # 80.00


def _proposed(world):
    """A started round, one application, three experts all submitted, a proposal recorded."""
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    for a in Assignment.objects.filter(application=apps[0]):
        score_all(a)
    proposals.record_proposal(actor=world.province_user, application_id=apps[0].pk, outcome="domestic")
    return ReviewRound.objects.get(pk=rr.pk), apps[0]


# --- workflow ------------------------------------------------------------------------------------------------


def test_application_withdrawn_before_start_is_not_reviewed(world):
    """An enterprise may withdraw an application through formal review (state passed) while the round is being
    configured and already auto-assigned. Starting the round must not leave its experts on it: they would be
    told, reminded, could declare, read the withdrawn application and score it."""
    from certification.services import applications as app_services

    batch = closed_batch(world.province_user)
    kept = passed_application(batch, world.ent_hz)
    gone = passed_application(batch, world.ent_hz)
    people = experts(3)
    rr = review_round(world.province_user, batch, experts_per_application=3)
    assignments.auto_assign(actor=world.province_user, review_round=rr)
    app_services.withdraw(actor=world.ent_hz_user, application_id=gone.pk, reason="产品改型，撤回申报")
    assert Application.objects.get(pk=gone.pk).state == "withdrawn"
    rounds.start_round(actor=world.province_user, review_round=rr)
    assert Application.objects.get(pk=kept.pk).state == "expert_review"
    for expert in people:
        assert not queries.my_assignments(expert).filter(application=gone).exists()
    assert not Assignment.objects.filter(application=gone, state__in=Assignment.ACTIVE).exists()


def test_reopen_after_proposal_withdraws_the_proposal(world):
    """Reopening a sheet once the proposal is recorded left the proposal (and the application's state 'proposed')
    standing on a score that no longer exists; now the proposal goes, recorded in the reopening's audit event."""
    from audit.models import AuditEvent

    rr, app = _proposed(world)
    sheet = ScoreSheet.objects.filter(application=app).first()
    sheets.reopen(actor=world.province_user, sheet_id=sheet.pk, reason="知识产权项打分有误")
    assert not Proposal.objects.filter(application=app).exists()
    assert Application.objects.get(pk=app.pk).state == "expert_review"
    event = AuditEvent.objects.filter(action="review.sheet_reopened").latest("id")
    assert event.before["proposal"]["outcome"] == "domestic"
    with pytest.raises(ValidationError):  # the sheet is a draft again: no proposal until it is resubmitted
        proposals.record_proposal(actor=world.province_user, application_id=app.pk, outcome="domestic")


def test_reopen_after_deadline_is_refused(world):
    """After the deadline the expert cannot edit a reopened sheet: it would stay a draft without a total, and the
    application could get no proposal, until someone thinks of moving the deadline."""
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    a = Assignment.objects.filter(application=apps[0]).first()
    sheet = score_all(a)
    ReviewRound.objects.filter(pk=rr.pk).update(deadline=rr.deadline.replace(year=2000))
    with pytest.raises(ValidationError) as e:
        sheets.reopen(actor=world.province_user, sheet_id=sheet.pk, reason="知识产权项打分有误")
    assert "截止" in " ".join(e.value.messages)
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.SUBMITTED


# --- validation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fields", [[{}], [["robotics"]], [1, "robotics"], [None]])
def test_panels_with_non_text_fields_answer_400(client, world, fields):
    batch = closed_batch(world.province_user)
    passed_application(batch, world.ent_hz)
    rr = review_round(world.province_user, batch)
    client.force_login(world.province_user)
    r = call(client, "put", f"{API}/rounds/{rr.pk}/panels/", [{"name": "机器人组", "fields": fields}])
    assert "panels.1.fields" in fields_of(r)


@pytest.mark.parametrize("ids", [[2**63], [10**30]])
def test_auto_assign_with_out_of_range_ids_answers_400(client, world, ids):
    batch = closed_batch(world.province_user)
    passed_application(batch, world.ent_hz)
    rr = review_round(world.province_user, batch)
    client.force_login(world.province_user)
    r = call(client, "post", f"{API}/rounds/{rr.pk}/auto-assign/", {"applications": ids})
    assert "applications" in fields_of(r)
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("field", ["application", "expert"])
def test_add_assignment_with_out_of_range_id_answers_400(client, world, field):
    batch = closed_batch(world.province_user)
    app = passed_application(batch, world.ent_hz)
    (person,) = experts(1)
    rr = review_round(world.province_user, batch)
    client.force_login(world.province_user)
    body = {"application": app.pk, "expert": person.pk, field: 2**63}
    r = call(client, "post", f"{API}/rounds/{rr.pk}/assignments/", body)
    assert field in fields_of(r)
    assert not Assignment.objects.exists()


# --- results -----------------------------------------------------------------------------------------------------


def test_search_keeps_the_rank_within_the_panel(world):
    from review import results

    rr, apps, people = started_round(world, apps=2, per_application=3, pool=3)
    low, high = apps
    for a in Assignment.objects.filter(application=low):
        declare_and_submit(a, points=[Decimal("10")] * 5, vote="provincial", comment="一般")
    for a in Assignment.objects.filter(application=high):
        declare_and_submit(a, points=POINTS, vote="domestic", comment="较好")
    rr = ReviewRound.objects.get(pk=rr.pk)
    assert {r.id: r.rank for r in results.ranking(rr)} == {high.pk: 1, low.pk: 2}
    (row,) = results.ranking(rr, q=low.product_name)
    assert row.id == low.pk and row.rank == 2


# --- applicant: the proposal is not theirs to see before the public notice -------------------------------------


def test_enterprise_cannot_tell_proposed_from_not_proposed(client, world):
    rr, apps, people = started_round(world, apps=2, per_application=3, pool=3)
    yes, no = apps
    for a in Assignment.objects.filter(round=rr):
        score_all(a)
    proposals.record_proposal(actor=world.province_user, application_id=yes.pk, outcome="domestic")
    proposals.record_proposal(actor=world.province_user, application_id=no.pk, outcome="not_proposed",
                              reason="同类产品国内已有应用")
    client.force_login(world.ent_hz_user)
    body = client.get("/api/v1/applications/").json()
    rows = {r["id"]: r for r in body["results"]}
    assert rows[yes.pk]["state"] == rows[no.pk]["state"]
    assert rows[yes.pk]["state_label"] == rows[no.pk]["state_label"]
    for pk in (yes.pk, no.pk):
        detail = client.get(f"/api/v1/applications/{pk}/").json()
        assert detail["state"] not in ("proposed", "not_proposed"), detail["state"]
    # Filtering by the hidden codes must not sort them apart either.
    for code in ("proposed", "not_proposed"):
        r = client.get("/api/v1/applications/", {"state": code})
        found = {row["id"] for row in r.json()["results"]} if r.status_code == 200 else set()
        assert found in (set(), {yes.pk, no.pk}), (code, found)
    page = client.get("/applications/").content.decode()
    assert 'data-state="proposed"' not in page and 'data-state="not_proposed"' not in page
    for code in ("proposed", "not_proposed"):
        page = client.get("/applications/", {"state": code}).content.decode()
        assert (yes.product_name in page) == (no.product_name in page), code
    for pk in (yes.pk, no.pk):
        page = client.get(f"/applications/{pk}/").content.decode()
        assert 'data-state="proposed"' not in page and 'data-state="not_proposed"' not in page


def test_enterprise_sort_on_state_does_not_order_the_outcomes(client, world):
    rr, apps, people = started_round(world, apps=2, per_application=3, pool=3)
    first, second = apps
    for a in Assignment.objects.filter(round=rr):
        score_all(a)
    # By the codes, not_proposed sorts before proposed: give the first application the later code.
    proposals.record_proposal(actor=world.province_user, application_id=first.pk, outcome="domestic")
    proposals.record_proposal(actor=world.province_user, application_id=second.pk, outcome="not_proposed",
                              reason="同类产品国内已有应用")
    client.force_login(world.ent_hz_user)
    for ordering in ("state", "-state"):
        ids = [r["id"] for r in client.get("/api/v1/applications/", {"ordering": ordering}).json()["results"]]
        default = [r["id"] for r in client.get("/api/v1/applications/").json()["results"]]
        assert ids == default, ordering
