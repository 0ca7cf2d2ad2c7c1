"""Who reaches which review endpoint: anonymous 401 everywhere; on staff endpoints everyone but province
industry staff gets 403 on a collection and 404 on an object, and nothing is written; an expert reaches only
their own assignments and sheets (another's answers 404); and no expert response carries another expert's
score, total, vote or comment (the leak test)."""

from decimal import Decimal

import pytest

from review.models import Assignment, ReviewRound, ScoreSheet

from .api_helpers import API, call, declare_and_submit, review_events, scores_for
from .builders import started_round

pytestmark = pytest.mark.django_db

FULL = [Decimal("24"), Decimal("20"), Decimal("12"), Decimal("12"), Decimal("12")]  # 80
SECRET_B, SECRET_C = "机密评语-乙-5821", "机密评语-丙-9376"
POINTS_B = [Decimal("29.5"), Decimal("24.5"), Decimal("14.5"), Decimal("13.5"), Decimal("12.5")]  # 93.27
POINTS_C = [Decimal("10")] * 5  # 54.67


@pytest.fixture
def scene(world):
    """A started round: two applications, three experts on each (a, b, c). On the first, a has declared and
    keeps a draft, b and c submitted (distinctive comments, totals and votes); on the second all are pending."""
    rr, apps, people = started_round(world, apps=2, per_application=3, pool=3)
    a, b, c = people
    on = {(x.application_id, x.expert_id): x for x in Assignment.objects.filter(round=rr)}
    sheet_b = declare_and_submit(on[apps[0].pk, b.pk], points=POINTS_B, vote="international", comment=SECRET_B)
    sheet_c = declare_and_submit(on[apps[0].pk, c.pk], points=POINTS_C, vote="international", comment=SECRET_C)
    assert (sheet_b.total, sheet_c.total) == (Decimal("93.27"), Decimal("54.67"))
    from review.services import assignments, sheets

    assignments.declare(actor=a, assignment_id=on[apps[0].pk, a.pk].pk, conflict=False)
    sheets.save_draft(actor=a, sheet_id=on[apps[0].pk, a.pk].sheet.pk, comment="我自己的草稿意见")
    return {"round": ReviewRound.objects.get(pk=rr.pk), "apps": apps, "a": a, "b": b, "c": c, "on": on,
            "sheet_b": sheet_b}


def staff_endpoints(s):
    """(method, url, data, is_collection) for every staff endpoint."""
    rr, app = s["round"], s["apps"][0]
    removable = s["on"][s["apps"][1].pk, s["c"].pk]
    r = f"{API}/rounds/{rr.pk}/"
    return [
        ("get", f"{API}/rounds/", None, True),
        ("post", f"{API}/rounds/", {"batch": rr.batch_id}, True),
        ("get", r, None, False),
        ("patch", r, {"experts_per_application": 4}, False),
        ("put", r + "criteria/", [{"name": "改", "max_points": 100}], False),
        ("put", r + "panels/", [{"name": "改", "fields": ["robotics"]}], False),
        ("post", r + "auto-assign/", {}, False),
        ("post", r + "start/", None, False),
        ("post", r + "close/", None, False),
        ("get", r + "board/", None, False),
        ("get", r + "results/", None, False),
        ("get", r + "results/export/", None, False),
        ("get", r + "assignments/", None, False),
        ("post", r + "assignments/", {"application": app.pk, "expert": s["a"].pk}, False),
        ("post", f"{API}/assignments/{removable.pk}/remove/", {"reason": "换人"}, False),
        ("get", f"{API}/applications/{app.pk}/sheets/", None, False),
        ("post", f"{API}/sheets/{s['sheet_b'].pk}/reopen/", {"reason": "退回"}, False),
        ("get", f"{API}/applications/{app.pk}/proposal/", None, False),
        ("post", f"{API}/applications/{app.pk}/proposal/", {"outcome": "provincial", "reason": "理由"}, False),
    ]


def expert_endpoints(assignment):
    """(method, url, data, is_collection) for every expert endpoint, on the given assignment and its sheet."""
    sheet = assignment.sheet.pk
    return [
        ("get", f"{API}/my/", None, True),
        ("get", f"{API}/my/assignments/", None, True),
        ("get", f"{API}/my/assignments/{assignment.pk}/", None, False),
        ("post", f"{API}/my/assignments/{assignment.pk}/declare/", {"conflict": True, "reason": "试探"}, False),
        ("get", f"{API}/my/sheets/{sheet}/", None, False),
        ("put", f"{API}/my/sheets/{sheet}/", {"comment": "改别人的"}, False),
        ("post", f"{API}/my/sheets/{sheet}/submit/", {"comment": "改别人的", "confirmed": True}, False),
    ]


def snapshot():
    return (
        review_events(),
        list(ReviewRound.objects.values_list("state", "experts_per_application")),
        list(Assignment.objects.order_by("id").values_list("state", flat=True)),
        list(ScoreSheet.objects.order_by("id").values_list("state", "comment", "total")),
    )


def test_anonymous_gets_401_everywhere(world, scene, client):
    endpoints = staff_endpoints(scene) + expert_endpoints(scene["on"][scene["apps"][0].pk, scene["a"].pk])
    before = snapshot()

    for method, url, data, _collection in endpoints:
        response = call(client, method, url, data)
        assert response.status_code == 401, (method, url, response.status_code)
        assert response.json()["error"]["code"] == "not_authenticated"
    assert snapshot() == before


@pytest.mark.parametrize("who", ["ent_hz_user", "hz_user", "binjiang_user", "finance_user", "regulator_user",
                                 "expert_user", "participating_expert"])
def test_only_province_industry_staff_reach_staff_endpoints(world, scene, client, who):
    user = scene["a"] if who == "participating_expert" else getattr(world, who)
    client.force_login(user)
    before = snapshot()

    for method, url, data, collection in staff_endpoints(scene):
        response = call(client, method, url, data)
        assert response.status_code == (403 if collection else 404), (method, url, response.status_code)
        assert set(response.json()["error"]) == {"code", "message", "fields"}
        assert SECRET_B not in response.content.decode()
    assert snapshot() == before


def test_province_staff_reach_every_staff_read(world, scene, client):
    """The control for the matrix above: the same objects exist and staff read them."""
    client.force_login(world.province_user)

    for method, url, _data, _collection in staff_endpoints(scene):
        if method == "get":
            assert call(client, method, url).status_code == 200, url


@pytest.mark.parametrize("who", ["province_user", "ent_hz_user", "hz_user"])
def test_non_experts_get_403_on_expert_lists_and_404_on_an_experts_objects(world, scene, client, who):
    client.force_login(getattr(world, who))
    before = snapshot()

    for method, url, data, collection in expert_endpoints(scene["on"][scene["apps"][0].pk, scene["a"].pk]):
        response = call(client, method, url, data)
        assert response.status_code == (403 if collection else 404), (method, url, response.status_code)
    assert snapshot() == before


def test_an_expert_gets_404_on_another_experts_assignment_and_sheet(world, scene, client):
    client.force_login(scene["a"])
    before = snapshot()
    others = [scene["on"][scene["apps"][0].pk, scene["b"].pk], scene["on"][scene["apps"][1].pk, scene["c"].pk]]

    for assignment in others:
        for method, url, data, collection in expert_endpoints(assignment):
            if collection:
                continue
            response = call(client, method, url, data)
            assert response.status_code == 404, (method, url, response.status_code)
            assert SECRET_B not in response.content.decode()
    assert snapshot() == before


def test_no_expert_response_carries_another_experts_sheet(world, scene, client):
    a, apps, on, rr = scene["a"], scene["apps"], scene["on"], scene["round"]
    mine, pending = on[apps[0].pk, a.pk], on[apps[1].pk, a.pk]
    client.force_login(a)
    criteria = list(rr.criteria.all())

    responses = [
        call(client, "get", f"{API}/my/"),
        call(client, "get", f"{API}/my/assignments/"),
        call(client, "get", f"{API}/my/assignments/{mine.pk}/"),
        call(client, "get", f"{API}/my/assignments/{pending.pk}/"),
        call(client, "get", f"{API}/my/sheets/{mine.sheet.pk}/"),
        call(client, "get", f"{API}/my/sheets/{pending.sheet.pk}/"),
        call(client, "put", f"{API}/my/sheets/{mine.sheet.pk}/", {"scores": {str(criteria[0].pk): 20},
                                                                  "comment": "我自己的草稿意见"}),
        call(client, "post", f"{API}/my/sheets/{mine.sheet.pk}/submit/", {"scores": scores_for(rr, FULL),
                                                                          "comment": "我自己的草稿意见"}),
        call(client, "get", f"{API}/my/sheets/{scene['sheet_b'].pk}/"),
        call(client, "get", f"{API}/rounds/{rr.pk}/results/"),
        call(client, "get", f"{API}/rounds/{rr.pk}/board/"),
        call(client, "get", f"{API}/rounds/{rr.pk}/results/export/"),
        call(client, "get", f"{API}/applications/{apps[0].pk}/sheets/"),
        call(client, "get", f"{API}/applications/{apps[0].pk}/proposal/"),
        call(client, "get", f"/api/v1/applications/{apps[0].pk}/"),
        call(client, "get", "/api/v1/applications/"),
        call(client, "get", "/api/v1/notifications/"),
    ]

    own = responses[4].json()
    assert own["comment"] == "我自己的草稿意见" and responses[2].json()["content"] is not None  # the control
    for response in responses:
        text = response.content.decode("utf-8", errors="replace")
        for secret in (SECRET_B, SECRET_C, "93.27", "54.67", "73.97", "international"):
            assert secret not in text, (response.request["PATH_INFO"], secret)


def test_malformed_or_huge_ids_answer_404_in_the_api_format(world, scene, client):
    client.force_login(world.province_user)
    huge = "9" * 25

    for url in [f"{API}/rounds/abc/", f"{API}/rounds/{huge}/", f"{API}/rounds/{huge}/results/",
                f"{API}/applications/999999/sheets/", f"{API}/applications/999999/proposal/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found", url
    client.force_login(scene["a"])
    for url in [f"{API}/my/assignments/{huge}/", f"{API}/my/sheets/x/"]:
        response = client.get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", url
