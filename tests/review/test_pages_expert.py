"""The expert's pages: their own assignments only (404 for anyone else's), the declaration before the content,
the score sheet through the services, and never another expert's sheet, score, comment or vote."""

import pytest

from review.models import Assignment, ExpertConflict, ScoreSheet
from review.services import assignments

from .builders import score_all, started_round

pytestmark = pytest.mark.django_db

OTHERS_COMMENT = "另一位专家的保密意见：指标存在夸大"


def _as(client, user):
    client.force_login(user)
    return client


def _sheet_post(rr, points, *, action, vote="domestic", comment="结构合理，建议推荐。", confirmed=False):
    data = {f"score_{c.pk}": str(p) for c, p in zip(rr.criteria.all(), points, strict=True)}
    data.update({"action": action, "level_vote": vote, "comment": comment})
    if confirmed:
        data["confirmed"] = "on"
    return data


@pytest.fixture
def round_with_others(world):
    """A started round of one application with three experts; the second has submitted a sheet already."""
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    rows = list(Assignment.objects.filter(application=apps[0]).select_related("expert").order_by("id"))
    score_all(rows[1], points=[c.max_points / 2 for c in rr.criteria.all()], vote="provincial",
              comment=OTHERS_COMMENT)
    return rr, apps[0], rows


def test_dashboard_empty_state_and_404_for_non_experts(client, world):
    body = _as(client, world.expert_user).get("/review/my/").content.decode()
    assert "目前没有分配给您的评审任务" in body
    assert _as(client, world.ent_hz_user).get("/review/my/").status_code == 404
    assert _as(client, world.province_user).get("/review/my/").status_code == 404


def test_dashboard_lists_own_assignments_with_progress_and_deadline(client, world, round_with_others):
    rr, app, rows = round_with_others
    body = _as(client, rows[0].expert).get("/review/my/").content.decode()
    assert app.product_name in body and f"/review/assignments/{rows[0].pk}/" in body
    assert f"/review/assignments/{rows[1].pk}/" not in body
    assert "声明并评审" in body and "待声明" in body
    assert 'data-testid="deadline"' in body
    assert OTHERS_COMMENT not in body and "50.00" not in body


def test_other_experts_assignment_pages_answer_404(client, world, round_with_others):
    rr, app, rows = round_with_others
    c = _as(client, rows[0].expert)
    for url in (f"/review/assignments/{rows[1].pk}/", f"/review/assignments/{rows[2].pk}/"):
        assert c.get(url).status_code == 404
    assert c.post(f"/review/assignments/{rows[2].pk}/declare/", {"conflict": "no"}).status_code == 404
    assert c.post(f"/review/assignments/{rows[1].pk}/sheet/",
                  _sheet_post(rr, [1, 1, 1, 1, 1], action="draft")).status_code == 404
    assert Assignment.objects.get(pk=rows[2].pk).state == "pending"
    assert ScoreSheet.objects.get(assignment=rows[1]).comment == OTHERS_COMMENT
    # Staff and enterprises do not reach an expert's page either.
    for user in (world.province_user, world.ent_hz_user):
        assert _as(client, user).get(f"/review/assignments/{rows[0].pk}/").status_code == 404


def test_pending_assignment_shows_only_the_identity_and_the_declaration(client, world, round_with_others):
    rr, app, rows = round_with_others
    body = _as(client, rows[0].expert).get(f"/review/assignments/{rows[0].pk}/").content.decode()
    assert app.number in body and app.product_name in body and app.enterprise.name in body
    assert "利益冲突声明" in body and 'name="conflict"' in body
    assert app.innovation_points not in body and "score_" not in body
    assert f"/applications/{app.pk}/" not in body


def test_conflict_needs_a_reason_then_recuses(client, world, round_with_others):
    rr, app, rows = round_with_others
    c = _as(client, rows[0].expert)
    response = c.post(f"/review/assignments/{rows[0].pk}/declare/", {"conflict": "yes", "reason": ""})
    assert response.status_code == 400 and 'data-field-error="reason"' in response.content.decode()
    assert Assignment.objects.get(pk=rows[0].pk).state == "pending"
    response = c.post(f"/review/assignments/{rows[0].pk}/declare/", {"conflict": "yes", "reason": "曾在该企业兼职"})
    assert response.status_code == 302 and response.url == "/review/my/"
    assert Assignment.objects.get(pk=rows[0].pk).state == "recused"
    assert ExpertConflict.objects.filter(expert=rows[0].expert, organisation=app.enterprise).exists()
    assert c.get(f"/review/assignments/{rows[0].pk}/").status_code == 404
    assert app.product_name not in c.get("/review/my/").content.decode()


def test_no_conflict_then_draft_then_submit_locks_the_sheet(client, world, round_with_others):
    rr, app, rows = round_with_others
    mine = rows[0]
    c = _as(client, mine.expert)
    response = c.post(f"/review/assignments/{mine.pk}/declare/", {"conflict": "no"})
    assert response.status_code == 302 and response.url == f"/review/assignments/{mine.pk}/"
    body = c.get(response.url).content.decode()
    assert app.innovation_points in body and "满分 30" in body and "保存草稿" in body
    assert OTHERS_COMMENT not in body and "50.00" not in body
    # A score above the maximum is shown next to its criterion; nothing written.
    criteria = list(rr.criteria.all())
    response = c.post(f"/review/assignments/{mine.pk}/sheet/", _sheet_post(rr, [31, 20, 10, 10, 10], action="draft"))
    assert response.status_code == 400
    assert f'data-field-error="score_{criteria[0].pk}"' in response.content.decode()
    assert ScoreSheet.objects.get(assignment=mine).scores == {}
    # A draft keeps what was typed.
    response = c.post(f"/review/assignments/{mine.pk}/sheet/", _sheet_post(rr, [27, 20, 12, 12, 12], action="draft"))
    assert response.status_code == 302
    sheet = ScoreSheet.objects.get(assignment=mine)
    assert sheet.state == "draft" and sheet.scores[str(criteria[0].pk)] == "27"
    assert 'value="27"' in c.get(f"/review/assignments/{mine.pk}/").content.decode()
    # Submitting needs the confirmation.
    response = c.post(f"/review/assignments/{mine.pk}/sheet/", _sheet_post(rr, [27, 20, 12, 12, 12], action="submit"))
    assert response.status_code == 400 and 'data-field-error="confirmed"' in response.content.decode()
    assert ScoreSheet.objects.get(assignment=mine).state == "draft"
    response = c.post(f"/review/assignments/{mine.pk}/sheet/",
                      _sheet_post(rr, [27, 20, 12, 12, 12], action="submit", confirmed=True))
    assert response.status_code == 302
    sheet = ScoreSheet.objects.get(assignment=mine)
    assert sheet.state == "submitted" and str(sheet.total) == "82.00"
    body = c.get(f"/review/assignments/{mine.pk}/").content.decode()
    assert 'data-testid="sheet-locked"' in body and "82.00" in body and 'name="action"' not in body
    assert OTHERS_COMMENT not in body and "50.00" not in body
    # Editing a submitted sheet is refused.
    response = c.post(f"/review/assignments/{mine.pk}/sheet/", _sheet_post(rr, [1, 1, 1, 1, 1], action="draft"))
    assert response.status_code == 400 and "已提交并锁定" in response.content.decode()
    assert ScoreSheet.objects.get(assignment=mine).total == sheet.total


def test_expert_pages_never_show_another_experts_sheet(client, world, round_with_others):
    rr, app, rows = round_with_others
    third = rows[2]
    assignments.declare(actor=third.expert, assignment_id=third.pk, conflict=False)
    c = _as(client, third.expert)
    for url in ("/review/my/", f"/review/assignments/{third.pk}/", f"/applications/{app.pk}/", "/dashboard/",
                "/inbox/"):
        body = c.get(url).content.decode()
        assert OTHERS_COMMENT not in body, url
        assert "50.00" not in body, url
        assert str(rows[1].expert) not in body, url


def test_score_above_the_maximum_names_the_maximum_in_plain_digits(client, world, round_with_others):
    rr, app, rows = round_with_others
    mine = rows[0]
    c = _as(client, mine.expert)
    c.post(f"/review/assignments/{mine.pk}/declare/", {"conflict": "no"})
    response = c.post(f"/review/assignments/{mine.pk}/sheet/", _sheet_post(rr, [31, 20, 10, 10, 10], action="draft"))
    body = response.content.decode()
    assert "0 至 30 之间" in body and "3E+1" not in body
