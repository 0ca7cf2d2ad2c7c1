"""Staff on assignments, sheets and proposals through the API: the assignment list and its filters, manual
assignment and removal, every sheet of an application, reopening a sheet, and the proposal. Refusals answer
400 naming the field and write nothing."""

from decimal import Decimal

import pytest

from certification.models import Application
from review.models import Assignment, Proposal, ScoreSheet

from .api_helpers import API, call, declare_and_submit, fields_of, review_events
from .builders import closed_batch, experts, passed_application, review_round, started_round

pytestmark = pytest.mark.django_db

FULL = [Decimal("24"), Decimal("20"), Decimal("12"), Decimal("12"), Decimal("12")]  # 80
LOW = [Decimal("18"), Decimal("15"), Decimal("9"), Decimal("9"), Decimal("9")]  # 60


def test_assignment_list_with_expert_employer_and_sheet(world, client):
    rr, apps, people = started_round(world, apps=2, per_application=3, pool=3)
    done = Assignment.objects.get(application=apps[0], expert=people[0])
    declare_and_submit(done, points=FULL, vote="domestic", comment="好")
    client.force_login(world.province_user)

    body = call(client, "get", f"{API}/rounds/{rr.pk}/assignments/").json()

    assert body["count"] == 6
    row = next(r for r in body["results"] if r["id"] == done.pk)
    profile = people[0].expert_profile
    assert (row["application"], row["number"], row["product_name"]) == (apps[0].pk, apps[0].number,
                                                                        apps[0].product_name)
    assert (row["expert"], row["expert_name"], row["employer_name"]) == (people[0].pk, str(people[0]),
                                                                         profile.employer.name)
    assert (row["state"], row["state_label"], row["method"], row["method_label"]) == (
        "accepted", "已声明无利益冲突", "auto", "自动分配")
    assert (row["sheet"], row["sheet_state"], row["sheet_total"]) == (done.sheet.pk, "submitted", "80.00")
    other = next(r for r in body["results"] if r["id"] != done.pk)
    assert (other["state"], other["sheet_state"], other["sheet_total"]) == ("pending", "draft", None)


def test_assignment_list_filters(world, client):
    rr, apps, people = started_round(world, apps=2, per_application=3, pool=3)
    declare_and_submit(Assignment.objects.get(application=apps[0], expert=people[0]), points=FULL,
                       vote="domestic", comment="好")
    client.force_login(world.province_user)
    url = f"{API}/rounds/{rr.pk}/assignments/"

    by_app = call(client, "get", url, {"application": apps[1].pk}).json()["results"]
    by_expert = call(client, "get", url, {"expert": people[0].pk}).json()["results"]
    by_state = call(client, "get", url, {"state": "accepted"}).json()["results"]
    bad = call(client, "get", url, {"application": "abc", "state": "gone"})

    assert {r["application"] for r in by_app} == {apps[1].pk} and len(by_app) == 3
    assert {r["expert"] for r in by_expert} == {people[0].pk} and len(by_expert) == 2
    assert [(r["application"], r["expert"]) for r in by_state] == [(apps[0].pk, people[0].pk)]
    assert {"application", "state"} <= set(fields_of(bad))


def test_staff_add_an_expert_by_hand(world, client):
    batch = closed_batch(world.province_user)
    app = passed_application(batch, world.ent_hz, field="robotics")
    [outsider] = experts(1, fields=("ships",))
    rr = review_round(world.province_user, batch, experts_per_application=3)
    client.force_login(world.province_user)

    response = call(client, "post", f"{API}/rounds/{rr.pk}/assignments/", {"application": app.pk,
                                                                          "expert": outsider.pk})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["application"], body["expert"], body["method"], body["state"], body["sheet_state"]) == (
        app.pk, outsider.pk, "manual", "pending", "draft")
    assert Assignment.objects.get(pk=body["id"]).method == "manual"


def test_adding_a_conflicted_or_unknown_expert_answers_400_and_writes_nothing(world, client):
    batch = closed_batch(world.province_user)
    app = passed_application(batch, world.ent_hz)
    [employee] = experts(1, employer=world.ent_hz)
    rr = review_round(world.province_user, batch, experts_per_application=3)
    other_batch_app = passed_application(closed_batch(world.province_user, name="另一批次"), world.ent_hz)
    [free] = experts(1)
    client.force_login(world.province_user)
    events = review_events()
    url = f"{API}/rounds/{rr.pk}/assignments/"

    conflicted = call(client, "post", url, {"application": app.pk, "expert": employee.pk})
    not_expert = call(client, "post", url, {"application": app.pk, "expert": world.hz_user.pk})
    unknown = call(client, "post", url, {"application": 999999, "expert": 999999})
    foreign = call(client, "post", url, {"application": other_batch_app.pk, "expert": free.pk})

    assert fields_of(conflicted) == {"expert": ["专家的工作单位即申报企业，须回避。"]}
    assert set(fields_of(not_expert)) == {"expert"}
    assert set(fields_of(unknown)) == {"application", "expert"}
    assert set(fields_of(foreign)) == {"application"}
    assert Assignment.objects.count() == 0 and ScoreSheet.objects.count() == 0
    assert review_events() == events


def test_remove_an_assignment_with_a_reason(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    a = Assignment.objects.filter(application=apps[0]).first()
    client.force_login(world.province_user)

    no_reason = call(client, "post", f"{API}/assignments/{a.pk}/remove/", {"reason": "  "})
    assert fields_of(no_reason) == {"reason": ["请填写撤换理由。"]}
    assert Assignment.objects.get(pk=a.pk).state == "pending"

    removed = call(client, "post", f"{API}/assignments/{a.pk}/remove/", {"reason": "专家出差无法参加"})
    assert removed.status_code == 200, removed.json()
    assert (removed.json()["state"], removed.json()["removed_reason"]) == ("removed", "专家出差无法参加")
    assert Assignment.objects.get(pk=a.pk).state == "removed"


def test_removing_an_expert_who_submitted_is_refused(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    a = Assignment.objects.filter(application=apps[0]).first()
    declare_and_submit(a, points=FULL, vote="domestic", comment="好")
    client.force_login(world.province_user)

    response = call(client, "post", f"{API}/assignments/{a.pk}/remove/", {"reason": "换人"})

    assert "请先退回评分表" in fields_of(response)["non_field_errors"][0]
    assert Assignment.objects.get(pk=a.pk).state == "accepted"


def test_application_sheets_show_every_expert_with_scores_vote_and_comment(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    rows = list(Assignment.objects.filter(application=apps[0]).order_by("id"))
    declare_and_submit(rows[0], points=FULL, vote="domestic", comment="指标先进")
    declare_and_submit(rows[1], points=LOW, vote="provincial", comment="创新一般")
    client.force_login(world.province_user)

    body = call(client, "get", f"{API}/applications/{apps[0].pk}/sheets/").json()

    assert len(body) == 3
    by_expert = {s["expert"]: s for s in body}
    first = by_expert[rows[0].expert_id]
    assert (first["expert_name"], first["state"], first["total"], first["level_vote"], first["level_vote_label"],
            first["comment"]) == (str(rows[0].expert), "submitted", "80.00", "domestic", "国内首台（套）", "指标先进")
    assert [(c["name"], c["max_points"], c["score"]) for c in first["criteria"]] == [
        ("创新性", "30.00", "24.0"), ("先进性", "25.00", "20.0"), ("质量可靠性", "15.00", "12.0"),
        ("知识产权", "15.00", "12.0"), ("应用前景与效益", "15.00", "12.0")]
    assert by_expert[rows[1].expert_id]["comment"] == "创新一般"
    pending = by_expert[rows[2].expert_id]
    assert (pending["state"], pending["total"], pending["assignment_state"]) == ("draft", None, "pending")
    assert all(c["score"] is None for c in pending["criteria"])


def test_reopen_a_submitted_sheet(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    a = Assignment.objects.filter(application=apps[0]).first()
    sheet = declare_and_submit(a, points=FULL, vote="domestic", comment="好")
    client.force_login(world.province_user)

    no_reason = call(client, "post", f"{API}/sheets/{sheet.pk}/reopen/", {})
    assert fields_of(no_reason) == {"reason": ["请填写退回评分表的理由。"]}
    assert ScoreSheet.objects.get(pk=sheet.pk).state == "submitted"

    reopened = call(client, "post", f"{API}/sheets/{sheet.pk}/reopen/", {"reason": "知识产权项超出评分标准"})
    assert reopened.status_code == 200, reopened.json()
    assert (reopened.json()["state"], reopened.json()["total"], reopened.json()["reopened_count"]) == (
        "draft", None, 1)

    again = call(client, "post", f"{API}/sheets/{sheet.pk}/reopen/", {"reason": "再退一次"})
    assert fields_of(again) == {"non_field_errors": ["只有已提交的评分表可以退回。"]}
    assert ScoreSheet.objects.get(pk=sheet.pk).reopened_count == 1


def test_proposal_read_refused_while_sheets_are_pending_then_recorded(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    app = apps[0]
    rows = list(Assignment.objects.filter(application=app).order_by("id"))
    client.force_login(world.province_user)
    url = f"{API}/applications/{app.pk}/proposal/"

    empty = call(client, "get", url).json()
    assert empty["application"] == app.pk and empty["proposal"] is None
    assert (empty["result"]["pending"], empty["result"]["score"]) == (3, None)

    declare_and_submit(rows[0], points=FULL, vote="domestic", comment="好")
    pending = call(client, "post", url, {"outcome": "domestic"})
    assert "尚有 2 份评分表未提交" in fields_of(pending)["non_field_errors"][0]

    for a in rows[1:]:
        declare_and_submit(a, points=FULL, vote="domestic", comment="好")
    unexplained = call(client, "post", url, {"outcome": "provincial"})
    assert set(fields_of(unexplained)) == {"reason"}
    assert not Proposal.objects.exists() and Application.objects.get(pk=app.pk).state == "expert_review"

    recorded = call(client, "post", url, {"outcome": "domestic"})
    assert recorded.status_code == 200, recorded.json()
    body = recorded.json()
    assert (body["proposal"]["outcome"], body["proposal"]["outcome_label"], body["proposal"]["score"],
            body["proposal"]["rank"], body["proposal"]["majority_vote"]) == ("domestic", "国内首台（套）", "80.00", 1,
                                                                             "domestic")
    assert body["proposal"]["decided_by_name"] == str(world.province_user)
    assert body["result"]["proposal"] == "domestic"
    assert Application.objects.get(pk=app.pk).state == "proposed"

    changed = call(client, "post", url, {"outcome": "not_proposed", "reason": "国内已有同类产品"})
    assert changed.json()["proposal"]["outcome"] == "not_proposed"
    assert call(client, "get", url).json()["proposal"]["reason"] == "国内已有同类产品"


def test_proposal_with_a_bad_outcome_names_it(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    client.force_login(world.province_user)

    response = call(client, "post", f"{API}/applications/{apps[0].pk}/proposal/", {"outcome": "galactic"})

    assert set(fields_of(response)) == {"outcome"}
    assert not Proposal.objects.exists()
