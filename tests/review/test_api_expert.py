"""The expert's endpoints (/my/): dashboard, assignments, the conflict declaration, the application content
once declared, and their own sheet (draft, submit, the lock). Refusals answer 400 naming the field and write
nothing."""

from decimal import Decimal

import pytest

from certification.models import Application, Batch
from review.models import Assignment, ExpertConflict, ScoreSheet
from tests.certification.helpers import open_batch, submitted

from .api_helpers import API, call, declare_and_submit, fields_of, review_events, scores_for
from .builders import experts, review_round, started_round

pytestmark = pytest.mark.django_db

FULL = [Decimal("24"), Decimal("20"), Decimal("12"), Decimal("12"), Decimal("12")]  # 80


def _mine(rr, expert):
    return Assignment.objects.filter(round=rr, expert=expert).order_by("id")


def test_dashboard_counts_the_experts_own_work(world, client):
    rr, apps, people = started_round(world, apps=2, per_application=3, pool=3)
    me = people[0]
    first, _second = _mine(rr, me)
    declare_and_submit(first, points=FULL, vote="domestic", comment="好")
    client.force_login(me)

    body = call(client, "get", f"{API}/my/").json()

    assert {k: body[k] for k in ("total", "pending", "to_score", "submitted")} == {
        "total": 2, "pending": 1, "to_score": 0, "submitted": 1}
    assert body["deadline"] is not None and body["deadline"][:10] == rr.deadline.isoformat()[:10]


def test_my_assignments_list_identity_and_own_sheet(world, client):
    rr, apps, people = started_round(world, apps=2, per_application=3, pool=3)
    me = people[1]
    client.force_login(me)

    body = call(client, "get", f"{API}/my/assignments/").json()

    assert body["count"] == 2
    row = body["results"][0]
    mine = _mine(rr, me).get(application=row["application"])
    assert set(row) == {"id", "state", "state_label", "batch", "batch_name", "deadline", "application", "number",
                        "product_name", "enterprise_name", "field", "field_label", "sheet", "sheet_state",
                        "sheet_state_label"}
    assert (row["id"], row["state"], row["batch"], row["enterprise_name"], row["sheet"], row["sheet_state"]) == (
        mine.pk, "pending", rr.batch_id, world.ent_hz.name, mine.sheet.pk, "draft")


def test_before_declaring_only_the_identity_then_the_content_with_attachments(world, client):
    batch = open_batch(world.province_user)
    app = submitted(world.ent_hz_user, world.ent_hz, batch, innovation_points="独有的创新点描述")
    Application.objects.filter(pk=app.pk).update(state="passed")
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.CLOSED)
    people = experts(3, fields=("robotics",))
    rr = review_round(world.province_user, Batch.objects.get(pk=batch.pk), experts_per_application=3)
    from review.services import assignments, rounds

    assignments.auto_assign(actor=world.province_user, review_round=rr)
    rounds.start_round(actor=world.province_user, review_round=rr)
    mine = Assignment.objects.get(application=app, expert=people[0])
    client.force_login(people[0])
    url = f"{API}/my/assignments/{mine.pk}/"

    before = call(client, "get", url).json()
    assert before["content"] is None and before["actions"] == ["declare"]
    assert (before["number"], before["product_name"], before["enterprise_name"], before["field"]) == (
        app.number, app.product_name, world.ent_hz.name, "robotics")
    assert "独有的创新点描述" not in str(before)
    attachment = app.attachments.first()
    assert client.get(f"/attachments/{attachment.pk}/download/").status_code == 404

    declared = call(client, "post", url + "declare/", {"conflict": False})
    assert declared.status_code == 200, declared.json()
    body = declared.json()
    assert body["state"] == "accepted" and body["actions"] == ["score"]
    content = body["content"]
    assert content["innovation_points"] == "独有的创新点描述" and content["model_spec"] == app.model_spec
    assert "state" not in content and "decisions" not in content
    urls = {a["id"]: a["download_url"] for a in content["attachments"]}
    assert set(urls) == set(app.attachments.values_list("pk", flat=True)) and urls
    assert urls[attachment.pk] == f"/attachments/{attachment.pk}/download/"
    download = client.get(urls[attachment.pk])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert call(client, "get", url).json()["content"]["innovation_points"] == "独有的创新点描述"


def test_declaring_a_conflict_needs_a_reason_then_recuses(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=4)
    mine = Assignment.objects.filter(round=rr).order_by("id").first()
    client.force_login(mine.expert)
    url = f"{API}/my/assignments/{mine.pk}/"

    no_reason = call(client, "post", url + "declare/", {"conflict": True, "reason": ""})
    missing = call(client, "post", url + "declare/", {})
    assert fields_of(no_reason) == {"reason": ["声明存在利益冲突时请填写理由。"]}
    assert set(fields_of(missing)) == {"conflict"}
    assert Assignment.objects.get(pk=mine.pk).state == "pending"

    recused = call(client, "post", url + "declare/", {"conflict": True, "reason": "曾为该企业提供咨询"})
    assert recused.status_code == 200, recused.json()
    assert (recused.json()["state"], recused.json()["content"]) == ("recused", None)
    assert ExpertConflict.objects.filter(expert=mine.expert, organisation=world.ent_hz).exists()
    assert call(client, "get", url).status_code == 404
    assert call(client, "get", f"{API}/my/assignments/").json()["count"] == 0
    again = call(client, "post", url + "declare/", {"conflict": False})
    assert again.status_code == 404 and Assignment.objects.get(pk=mine.pk).state == "recused"


def test_sheet_shows_the_rubric_and_own_scores(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    mine = _mine(rr, people[0]).get()
    declare_and_submit(mine, points=FULL, vote="domestic", comment="我的意见")
    client.force_login(people[0])

    body = call(client, "get", f"{API}/my/sheets/{mine.sheet.pk}/").json()

    assert (body["state"], body["total"], body["level_vote"], body["comment"], body["editable"]) == (
        "submitted", "80.00", "domestic", "我的意见", False)
    assert [(c["name"], c["max_points"], c["weight"], c["score"]) for c in body["criteria"]] == [
        ("创新性", "30.00", "1.00", "24.0"), ("先进性", "25.00", "1.00", "20.0"), ("质量可靠性", "15.00", "1.00", "12.0"),
        ("知识产权", "15.00", "1.00", "12.0"), ("应用前景与效益", "15.00", "1.00", "12.0")]


def test_save_a_draft_then_submit(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    mine = _mine(rr, people[0]).get()
    sheet_id = mine.sheet.pk
    client.force_login(people[0])
    call(client, "post", f"{API}/my/assignments/{mine.pk}/declare/", {"conflict": False})
    criteria = list(rr.criteria.all())
    url = f"{API}/my/sheets/{sheet_id}/"

    draft = call(client, "put", url, {"scores": {str(criteria[0].pk): 25}, "comment": "先写一半"})
    assert draft.status_code == 200, draft.json()
    assert (draft.json()["state"], draft.json()["editable"], draft.json()["scores"]) == (
        "draft", True, {str(criteria[0].pk): "25"})
    assert ScoreSheet.objects.get(pk=sheet_id).comment == "先写一半"

    unconfirmed = call(client, "post", url + "submit/", {"scores": scores_for(rr, FULL), "level_vote": "domestic",
                                                         "comment": "完整意见"})
    assert set(fields_of(unconfirmed)) == {"confirmed"}
    assert ScoreSheet.objects.get(pk=sheet_id).state == "draft"

    done = call(client, "post", url + "submit/", {"scores": scores_for(rr, FULL), "level_vote": "domestic",
                                                  "comment": "完整意见", "confirmed": True})
    assert done.status_code == 200, done.json()
    assert (done.json()["state"], done.json()["total"], done.json()["editable"]) == ("submitted", "80.00", False)
    assert Assignment.objects.get(pk=mine.pk).sheet.state == "submitted"


def test_bad_scores_are_named_by_criterion_and_nothing_is_written(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    mine = _mine(rr, people[0]).get()
    sheet_id = mine.sheet.pk
    client.force_login(people[0])
    call(client, "post", f"{API}/my/assignments/{mine.pk}/declare/", {"conflict": False})
    criteria = list(rr.criteria.all())
    url = f"{API}/my/sheets/{sheet_id}/"
    call(client, "put", url, {"scores": {str(criteria[0].pk): 10}, "comment": "原来的"})
    events = review_events()

    too_high = call(client, "put", url, {"scores": {str(criteria[1].pk): 26, str(criteria[2].pk): "x"},
                                         "comment": "改了"})
    incomplete = call(client, "post", url + "submit/", {"scores": {str(criteria[0].pk): 20}, "confirmed": True})
    bad_vote = call(client, "put", url, {"level_vote": "galactic"})
    not_a_dict = call(client, "put", url, {"scores": [1, 2]})

    fields = fields_of(too_high)
    assert set(fields) == {f"scores.{criteria[1].pk}", f"scores.{criteria[2].pk}"}
    assert "先进性" in fields[f"scores.{criteria[1].pk}"][0]
    assert {f"scores.{c.pk}" for c in criteria[1:]} | {"level_vote", "comment"} == set(fields_of(incomplete))
    assert set(fields_of(bad_vote)) == {"level_vote"}
    assert set(fields_of(not_a_dict)) == {"scores"}
    sheet = ScoreSheet.objects.get(pk=sheet_id)
    assert (sheet.scores, sheet.comment, sheet.state) == ({str(criteria[0].pk): "10"}, "原来的", "draft")
    assert review_events() == events


def test_a_submitted_sheet_is_refused_with_a_clear_message_and_unchanged(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    mine = _mine(rr, people[0]).get()
    sheet = declare_and_submit(mine, points=FULL, vote="domestic", comment="定稿")
    client.force_login(people[0])
    url = f"{API}/my/sheets/{sheet.pk}/"
    lower = [Decimal("1")] * 5

    edit = call(client, "put", url, {"scores": scores_for(rr, lower), "comment": "偷偷改"})
    resubmit = call(client, "post", url + "submit/", {"scores": scores_for(rr, lower), "level_vote": "none",
                                                      "comment": "偷偷改", "confirmed": True})

    for response in (edit, resubmit):
        assert response.status_code == 400
        error = response.json()["error"]
        assert "评分表已提交并锁定，不能修改" in error["message"]
        assert error["fields"] == {"non_field_errors": ["评分表已提交并锁定，不能修改；如需修改，请联系省经信厅退回。"]}
    fresh = ScoreSheet.objects.get(pk=sheet.pk)
    assert (fresh.state, fresh.total, fresh.comment, fresh.level_vote) == ("submitted", Decimal("80.00"), "定稿",
                                                                           "domestic")


def test_scoring_before_declaring_is_refused(world, client):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    mine = _mine(rr, people[0]).get()
    client.force_login(people[0])

    response = call(client, "put", f"{API}/my/sheets/{mine.sheet.pk}/", {"comment": "还没声明"})

    assert fields_of(response) == {"non_field_errors": ["请先声明与该申报无利益冲突，再填写评分表。"]}
    assert ScoreSheet.objects.get(pk=mine.sheet.pk).comment == ""


def test_assignments_of_a_round_not_started_are_not_shown(world, client):
    from review.services import assignments

    from .builders import closed_batch, passed_application

    batch = closed_batch(world.province_user)
    passed_application(batch, world.ent_hz)
    [person] = experts(1)
    rr = review_round(world.province_user, batch, experts_per_application=3)
    assignments.auto_assign(actor=world.province_user, review_round=rr)
    mine = Assignment.objects.get(expert=person)
    client.force_login(person)

    assert call(client, "get", f"{API}/my/assignments/").json()["count"] == 0
    assert call(client, "get", f"{API}/my/assignments/{mine.pk}/").status_code == 404
    assert call(client, "get", f"{API}/my/sheets/{mine.sheet.pk}/").status_code == 404
    assert call(client, "get", f"{API}/my/").json()["total"] == 0
