"""The staff pages of expert review: scope (404 for everyone but province review staff), forms calling the
services, errors next to their field with nothing written, and lists with a constant number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from certification.models import Application
from review.models import Assignment, Criterion, Panel, Proposal, ReviewRound, ScoreSheet
from review.services import assignments

from .builders import closed_batch, experts, passed_application, review_round, score_all, started_round

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def setup_round(world):
    """A round being configured: two robotics applications and four robotics experts."""
    batch = closed_batch(world.province_user)
    apps = [passed_application(batch, world.ent_hz) for _ in range(2)]
    people = experts(4)
    rr = review_round(world.province_user, batch, experts_per_application=3)
    return rr, apps, people


def _criteria_post(rows, **extra):
    data = {"criteria-TOTAL_FORMS": str(len(rows)), "criteria-INITIAL_FORMS": str(len(rows)),
            "criteria-MIN_NUM_FORMS": "0", "criteria-MAX_NUM_FORMS": "20"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"criteria-{i}-{key}"] = value
    data.update(extra)
    return data


def _current_rows(rr):
    return [{"name": c.name, "description": c.description, "max_points": str(c.max_points), "weight": str(c.weight)}
            for c in rr.criteria.all()]


def test_staff_pages_answer_404_to_everyone_else(client, world, setup_round):
    rr, apps, _people = setup_round
    a = Assignment.objects.filter(round=rr).first()
    gets = ["/review/rounds/", f"/review/rounds/{rr.pk}/", f"/review/rounds/{rr.pk}/assignments/",
            f"/review/rounds/{rr.pk}/board/", f"/review/rounds/{rr.pk}/results/",
            f"/review/rounds/{rr.pk}/results.xlsx", f"/review/rounds/{rr.pk}/results/{apps[0].pk}/"]
    posts = [f"/review/batches/{rr.batch_id}/round/", f"/review/rounds/{rr.pk}/auto-assign/",
             f"/review/rounds/{rr.pk}/start/", f"/review/rounds/{rr.pk}/criteria/", f"/review/rounds/{rr.pk}/panels/",
             f"/review/rounds/{rr.pk}/assignments/{apps[0].pk}/fill/",
             f"/review/rounds/{rr.pk}/results/{apps[0].pk}/proposal/"]
    expert = experts(1)[0]
    for user in (world.hz_user, world.ent_hz_user, world.finance_user, world.regulator_user, expert):
        c = _as(client, user)
        for url in gets:
            assert c.get(url).status_code == 404, (user, url)
        for url in posts:
            assert c.post(url, {"reason": "x"}).status_code == 404, (user, url)
    assert a is None and not Assignment.objects.exists()
    assert ReviewRound.objects.get(pk=rr.pk).state == "setup"
    client.logout()
    assert client.get(f"/review/rounds/{rr.pk}/").status_code == 302  # to the login page


def test_batch_page_button_creates_the_round_then_opens_it(client, world):
    batch = closed_batch(world.province_user)
    passed_application(batch, world.ent_hz, field="medical")
    c = _as(client, world.province_user)
    body = c.get(f"/batches/{batch.pk}/").content.decode()
    assert f'action="/review/batches/{batch.pk}/round/"' in body and "专家评审" in body
    response = c.post(f"/review/batches/{batch.pk}/round/")
    rr = ReviewRound.objects.get(batch=batch)
    assert response.status_code == 302 and response.url == f"/review/rounds/{rr.pk}/"
    assert c.post(f"/review/batches/{batch.pk}/round/").url == f"/review/rounds/{rr.pk}/"
    assert ReviewRound.objects.count() == 1
    page = c.get(f"/review/rounds/{rr.pk}/").content.decode()
    assert "创新性" in page and "现代医疗设备与器械组" in page and "自动分配" in page and "开始评审" in page
    assert batch.name in c.get("/review/rounds/").content.decode()
    # Others see the batch page without the button.
    assert "/review/batches/" not in _as(client, world.hz_user).get(f"/batches/{batch.pk}/").content.decode()


def test_settings_saved_and_bad_values_shown_next_to_the_field(client, world, setup_round):
    rr, _apps, _people = setup_round
    c = _as(client, world.province_user)
    deadline = timezone.now() + timedelta(days=20)
    response = c.post(f"/review/rounds/{rr.pk}/", {
        "experts_per_application": "5", "aggregation": "mean", "dispersion_threshold": "8.5",
        "deadline": _local(deadline)})
    assert response.status_code == 302
    rr = ReviewRound.objects.get(pk=rr.pk)
    assert rr.experts_per_application == 5 and rr.aggregation == "mean" and str(rr.dispersion_threshold) == "8.50"
    response = c.post(f"/review/rounds/{rr.pk}/", {
        "experts_per_application": "2", "aggregation": "mean", "dispersion_threshold": "8.5",
        "deadline": _local(timezone.now() - timedelta(days=1))})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'data-field-error="experts_per_application"' in body
    rr = ReviewRound.objects.get(pk=rr.pk)
    assert rr.experts_per_application == 5
    # A deadline in the past is refused by the service, next to the deadline.
    response = c.post(f"/review/rounds/{rr.pk}/", {
        "experts_per_application": "5", "aggregation": "mean", "dispersion_threshold": "8.5",
        "deadline": _local(timezone.now() - timedelta(days=1))})
    assert response.status_code == 400 and 'data-field-error="deadline"' in response.content.decode()
    rr = ReviewRound.objects.get(pk=rr.pk)
    assert rr.deadline > timezone.now()


def test_rubric_editor_changes_adds_and_removes_criteria(client, world, setup_round):
    rr, _apps, _people = setup_round
    c = _as(client, world.province_user)
    rows = _current_rows(rr)
    rows[0]["max_points"] = "40"
    rows[1]["DELETE"] = "on"
    response = c.post(f"/review/rounds/{rr.pk}/criteria/", _criteria_post(rows))
    assert response.status_code == 302 and response.url.endswith("#rubric")
    criteria = list(rr.criteria.all())
    assert [cr.name for cr in criteria] == ["创新性", "质量可靠性", "知识产权", "应用前景与效益"]
    assert criteria[0].max_points == 40
    # 添加评分项 answers with one more (empty) row and writes nothing.
    rows = _current_rows(rr)
    response = c.post(f"/review/rounds/{rr.pk}/criteria/", _criteria_post(rows, _add="1"))
    assert response.status_code == 200
    assert 'name="criteria-4-name"' in response.content.decode()
    assert rr.criteria.count() == 4
    rows.append({"name": "推广应用", "description": "", "max_points": "10", "weight": "2"})
    assert c.post(f"/review/rounds/{rr.pk}/criteria/", _criteria_post(rows)).status_code == 302
    assert Criterion.objects.get(round=rr, name="推广应用").weight == 2


def test_rubric_errors_are_shown_on_their_row_and_nothing_is_written(client, world, setup_round):
    rr, _apps, _people = setup_round
    c = _as(client, world.province_user)
    before = _current_rows(rr)
    rows = _current_rows(rr)
    rows[2]["name"] = "创新性"
    rows[3]["max_points"] = "abc"
    response = c.post(f"/review/rounds/{rr.pk}/criteria/", _criteria_post(rows))
    body = response.content.decode()
    assert response.status_code == 400
    assert 'data-field-error="criteria-2-name"' in body and "重复" in body
    assert 'data-field-error="criteria-3-max_points"' in body
    assert _current_rows(rr) == before
    # Deleting every row is refused as a whole.
    for row in rows:
        row["DELETE"] = "on"
    response = c.post(f"/review/rounds/{rr.pk}/criteria/", _criteria_post(rows))
    assert response.status_code == 400 and "评分细则至少需要一个评分项" in response.content.decode()
    assert _current_rows(rr) == before


def test_rubric_is_read_only_once_started(client, world):
    rr, _apps, _people = started_round(world, apps=1, per_application=3, pool=3)
    c = _as(client, world.province_user)
    body = c.get(f"/review/rounds/{rr.pk}/").content.decode()
    assert "评审已开始，评分细则不能再修改" in body and 'name="criteria-0-name"' not in body
    response = c.post(f"/review/rounds/{rr.pk}/criteria/", _criteria_post(_current_rows(rr)[:1]))
    assert response.status_code == 400 and "评分细则不能再修改" in response.content.decode()
    assert rr.criteria.count() == 5


def test_panels_editor_saves_and_refuses_a_field_in_two_panels(client, world, setup_round):
    rr, _apps, _people = setup_round
    c = _as(client, world.province_user)
    data = {"panels-TOTAL_FORMS": "2", "panels-INITIAL_FORMS": "1", "panels-MIN_NUM_FORMS": "0",
            "panels-MAX_NUM_FORMS": "10", "panels-0-name": "智能制造组", "panels-0-fields": ["robotics", "components"],
            "panels-1-name": "医疗组", "panels-1-fields": ["medical"]}
    assert c.post(f"/review/rounds/{rr.pk}/panels/", data).status_code == 302
    assert [(p.name, p.fields) for p in rr.panels.all()] == [("智能制造组", ["robotics", "components"]),
                                                           ("医疗组", ["medical"])]
    data["panels-1-fields"] = ["medical", "robotics"]
    response = c.post(f"/review/rounds/{rr.pk}/panels/", data)
    body = response.content.decode()
    assert response.status_code == 400 and 'data-field-error="panels-1-fields"' in body and "已属于" in body
    assert Panel.objects.get(round=rr, name="医疗组").fields == ["medical"]


def test_auto_assign_reports_the_count_and_each_shortage(client, world):
    batch = closed_batch(world.province_user)
    passed_application(batch, world.ent_hz)
    lonely = passed_application(batch, world.ent_hz, field="ships")
    experts(3)
    rr = review_round(world.province_user, batch, experts_per_application=3)
    c = _as(client, world.province_user)
    response = c.post(f"/review/rounds/{rr.pk}/auto-assign/")
    assert response.status_code == 302 and response.url.endswith("#assign")
    body = c.get(f"/review/rounds/{rr.pk}/").content.decode()
    assert "新分配 3 人次" in body
    assert f"{lonely.number}：还需 3 名专家，仅分配 0 名" in body and "高端船舶装备" in body
    assert Assignment.objects.filter(round=rr).count() == 3
    # Shown once.
    assert "新分配 3 人次" not in c.get(f"/review/rounds/{rr.pk}/").content.decode()


def test_start_refused_with_the_reason_then_started_and_closed(client, world, setup_round):
    rr, _apps, _people = setup_round
    c = _as(client, world.province_user)
    response = c.post(f"/review/rounds/{rr.pk}/start/", follow=True)
    assert "评审专家不足" in response.content.decode()
    assert ReviewRound.objects.get(pk=rr.pk).state == "setup"
    c.post(f"/review/rounds/{rr.pk}/auto-assign/")
    response = c.post(f"/review/rounds/{rr.pk}/start/", follow=True)
    assert "专家评审已开始" in response.content.decode()
    assert ReviewRound.objects.get(pk=rr.pk).state == "started"
    assert c.post(f"/review/rounds/{rr.pk}/close/").status_code == 302
    rr = ReviewRound.objects.get(pk=rr.pk)
    assert rr.state == "closed"
    body = c.get(f"/review/rounds/{rr.pk}/").content.decode()
    assert "自动分配</button>" not in body and "保存设置" not in body


def test_assignments_page_shows_states_and_highlights_recusals(client, world):
    rr, apps, _people = started_round(world, apps=2, per_application=3, pool=4)
    a = Assignment.objects.filter(application=apps[0]).first()
    assignments.declare(actor=a.expert, assignment_id=a.pk, conflict=True, reason="曾为该企业提供技术咨询")
    c = _as(client, world.province_user)
    body = c.get(f"/review/rounds/{rr.pk}/assignments/?application={apps[0].pk}").content.decode()
    assert "曾为该企业提供技术咨询" in body and "请补派" in body and "table-warning" in body
    assert "自动补足" in body and "在评专家 2/3" in body
    assert apps[1].number not in body  # filtered to one application
    body = c.get(f"/review/rounds/{rr.pk}/assignments/?state=recused").content.decode()
    assert apps[0].number in body and apps[1].number not in body
    body = c.get(f"/review/rounds/{rr.pk}/assignments/?state=short").content.decode()
    assert apps[0].number in body and apps[1].number not in body
    # 自动补足 fills that application from the pool.
    response = c.post(f"/review/rounds/{rr.pk}/assignments/{apps[0].pk}/fill/", follow=True)
    assert "已自动补派 1 名专家" in response.content.decode()
    assert Assignment.objects.filter(application=apps[0], state__in=Assignment.ACTIVE).count() == 3


def test_manual_add_and_remove_with_errors_next_to_the_field(client, world):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    app = apps[0]
    c = _as(client, world.province_user)
    other_field = experts(1, fields=("medical",))[0]
    employee = experts(1, employer=world.ent_hz)[0]
    in_field = experts(1)[0]
    body = c.get(f"/review/rounds/{rr.pk}/assignments/").content.decode()
    # The list offers eligible experts of the field only; the employee of the applicant is not offered.
    assert f'<option value="{in_field.pk}">' in body
    assert f'<option value="{employee.pk}">' not in body and f'<option value="{other_field.pk}">' not in body
    # Naming the applicant's employee is refused, next to the user-name field; nothing written.
    response = c.post(f"/review/rounds/{rr.pk}/assignments/{app.pk}/add/", {f"add{app.pk}-lookup": employee.username})
    assert response.status_code == 400
    assert f'data-field-error="add{app.pk}-lookup"' in response.content.decode()
    assert not Assignment.objects.filter(expert=employee).exists()
    response = c.post(f"/review/rounds/{rr.pk}/assignments/{app.pk}/add/", {})
    assert response.status_code == 400 and "请选择专家或输入专家用户名" in response.content.decode()
    # Any expert by user name (another field: staff's judgement), and one from the list.
    assert c.post(f"/review/rounds/{rr.pk}/assignments/{app.pk}/add/",
                  {f"add{app.pk}-lookup": other_field.username}).status_code == 302
    assert c.post(f"/review/rounds/{rr.pk}/assignments/{app.pk}/add/",
                  {f"add{app.pk}-expert": str(in_field.pk)}).status_code == 302
    added = Assignment.objects.get(expert=in_field)
    assert added.method == "manual" and added.state == "pending"
    # Removing needs a reason.
    response = c.post(f"/review/rounds/{rr.pk}/assignments/remove/{added.pk}/", {f"rm{added.pk}-reason": ""})
    assert response.status_code == 400 and f'data-field-error="rm{added.pk}-reason"' in response.content.decode()
    assert Assignment.objects.get(pk=added.pk).state == "pending"
    response = c.post(f"/review/rounds/{rr.pk}/assignments/remove/{added.pk}/", {f"rm{added.pk}-reason": "工作调动"})
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.state == "removed" and added.removed_reason == "工作调动"


def test_assignments_page_queries_do_not_grow_with_the_list(client, world, django_assert_max_num_queries):
    rr, apps, _people = started_round(world, apps=1, per_application=3, pool=4)
    c = _as(client, world.province_user)
    with django_assert_max_num_queries(25):
        assert c.get(f"/review/rounds/{rr.pk}/assignments/").status_code == 200
    for _i in range(15):
        passed_application(rr.batch, world.ent_hz)
    assignments.auto_assign(actor=world.province_user, review_round=rr)
    with django_assert_max_num_queries(25):
        body = c.get(f"/review/rounds/{rr.pk}/assignments/").content.decode()
    assert body.count('data-testid="assignment-card"') == 16


def test_board_results_and_export(client, world):
    rr, apps, people = started_round(world, apps=2, per_application=3, pool=3)
    for a in Assignment.objects.filter(application=apps[0]):
        score_all(a)
    c = _as(client, world.province_user)
    board = c.get(f"/review/rounds/{rr.pk}/board/").content.decode()
    assert "机器人与智能制造装备组" in board and "80.00" in board
    for person in people:
        assert str(person) in board
    body = c.get(f"/review/rounds/{rr.pk}/results/").content.decode()
    assert apps[0].product_name in body and "80.00" in body and "国内首台（套）：3" in body
    assert f"/review/rounds/{rr.pk}/results/{apps[0].pk}/" in body
    panel = rr.panels.get()
    body = c.get(f"/review/rounds/{rr.pk}/results/?panel={panel.pk}&q={apps[1].product_name}").content.decode()
    assert apps[1].product_name in body and apps[0].product_name not in body
    response = c.get(f"/review/rounds/{rr.pk}/results.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_dispersed_scores_get_the_badge(client, world):
    rr, apps, _people = started_round(world, apps=1, per_application=3, pool=3)
    criteria = list(rr.criteria.all())
    for a, share in zip(Assignment.objects.filter(application=apps[0]), (2, 5, 10), strict=True):
        score_all(a, points=[cr.max_points * share / 10 for cr in criteria])
    body = _as(client, world.province_user).get(f"/review/rounds/{rr.pk}/results/").content.decode()
    assert 'data-testid="dispersed"' in body and "分歧较大" in body


def test_application_result_reopen_and_proposal(client, world):
    rr, apps, _people = started_round(world, apps=1, per_application=3, pool=3)
    app = apps[0]
    rows = list(Assignment.objects.filter(application=app))
    for i, a in enumerate(rows):
        score_all(a, comment=f"评审意见{i}号")
    c = _as(client, world.province_user)
    url = f"/review/rounds/{rr.pk}/results/{app.pk}/"
    body = c.get(url).content.decode()
    for i, a in enumerate(rows):
        assert f"评审意见{i}号" in body and str(a.expert) in body
    assert "80.00" in body and "国内首台（套）" in body
    # A proposal differing from the declared level needs a reason: shown next to it, nothing written.
    response = c.post(f"{url}proposal/", {"outcome": "provincial", "reason": ""})
    assert response.status_code == 400 and 'data-field-error="reason"' in response.content.decode()
    assert not Proposal.objects.exists()
    response = c.post(f"{url}proposal/", {"outcome": "domestic"})
    assert response.status_code == 302
    assert Proposal.objects.get(application=app).outcome == "domestic"
    assert Application.objects.get(pk=app.pk).state == "proposed"
    # Reopening a sheet needs a reason; then the sheet is a draft again.
    sheet = rows[0].sheet
    response = c.post(f"/review/rounds/{rr.pk}/sheets/{sheet.pk}/reopen/", {f"reopen{sheet.pk}-reason": ""})
    assert response.status_code == 400 and f'data-field-error="reopen{sheet.pk}-reason"' in response.content.decode()
    response = c.post(f"/review/rounds/{rr.pk}/sheets/{sheet.pk}/reopen/",
                      {f"reopen{sheet.pk}-reason": "知识产权项打分超出评分标准"})
    assert response.status_code == 302
    assert ScoreSheet.objects.get(pk=sheet.pk).state == "draft"


def test_proposal_form_waits_for_every_sheet(client, world):
    rr, apps, _people = started_round(world, apps=1, per_application=3, pool=3)
    score_all(Assignment.objects.filter(application=apps[0]).first())
    c = _as(client, world.province_user)
    body = c.get(f"/review/rounds/{rr.pk}/results/{apps[0].pk}/").content.decode()
    assert "全部评分表提交后才能提出拟认定意见" in body
    response = c.post(f"/review/rounds/{rr.pk}/results/{apps[0].pk}/proposal/", {"outcome": "domestic"})
    assert response.status_code == 400 and "尚有 2 份评分表未提交" in response.content.decode()
    assert not Proposal.objects.exists()


def test_navigation_entries(client, world):
    c = _as(client, world.province_user)
    assert 'href="/review/rounds/"' in c.get("/dashboard/").content.decode()
    body = _as(client, world.expert_user).get("/dashboard/").content.decode()
    assert 'href="/review/my/"' in body and 'href="/review/rounds/"' not in body
    assert 'href="/review/my/"' not in _as(client, world.ent_hz_user).get("/dashboard/").content.decode()


def test_results_and_board_queries_do_not_grow_with_the_round(client, world, django_assert_max_num_queries):
    rr, apps, _people = started_round(world, apps=1, per_application=3, pool=4)
    c = _as(client, world.province_user)
    urls = [f"/review/rounds/{rr.pk}/results/", f"/review/rounds/{rr.pk}/board/"]
    for url in urls:
        with django_assert_max_num_queries(15):
            assert c.get(url).status_code == 200
    for _i in range(20):
        passed_application(rr.batch, world.ent_hz)
    assignments.auto_assign(actor=world.province_user, review_round=rr)
    for a in Assignment.objects.filter(application=apps[0]):
        score_all(a)
    for url in urls:
        with django_assert_max_num_queries(15):
            assert c.get(url).status_code == 200
