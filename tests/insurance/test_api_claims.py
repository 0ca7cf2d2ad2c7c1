"""The claim API: the whole journey (draft, documents, submission, local review, the three sign-offs, payable)
with the actions each user sees; the detail's recognition, policies, documents, computation and rounds; bad input
names the field and writes nothing; filters; the list's queries do not grow with its length; the export."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from insurance.models import Claim, ClaimDocument, SignOff
from tests.certification.helpers import EXE_BYTES, PDF_BYTES
from tests.insurance import builders as b
from tests.insurance import claim_steps as steps

API = "/api/v1/insurance/claims/"
JSON = "application/json"

pytestmark = pytest.mark.django_db


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type=JSON)


def _upload(client, claim_id, type, content=PDF_BYTES, name=None):
    return client.post(f"{API}{claim_id}/documents/",
                       {"type": type, "file": SimpleUploadedFile(name or f"{type}.pdf", content)})


def _ok(response, code=200):
    assert response.status_code == code, response.json()
    return response.json()


def test_the_whole_journey_through_the_api(world, client):
    recognition, policy = steps.eligible_recognition(world)
    client.force_login(world.ent_hz_user)

    claim = _ok(_post(client, API, {"recognition": recognition.pk, "policies": [policy.pk], "cover_year": 1}), 201)
    assert claim["state"] == "draft" and claim["actions"] == ["submit"]
    assert "documents" in claim["missing"]
    # A draft shows a trial computation (not stored).
    assert claim["computation"]["preview"] is True and claim["computation"]["amount"] == "16000.00"
    assert Claim.objects.get(pk=claim["id"]).computed_amount is None
    for type in ClaimDocument.Type.values:
        _ok(_upload(client, claim["id"], type), 201)
    claim = _ok(_post(client, f"{API}{claim['id']}/submit/"))
    assert claim["state"] == "local_review" and claim["state_label"] == "地方经信部门初审中"
    assert claim["actions"] == [] and claim["computed_amount"] == "16000.00" and claim["eligible"] is True
    assert claim["computation"]["preview"] is False
    assert all(c["passed"] for c in claim["computation"]["checks"]) and claim["computation"]["steps"]
    cid = claim["id"]

    client.force_login(world.binjiang_user)
    assert _ok(client.get(f"{API}{cid}/"))["actions"] == ["local_pass", "local_return", "local_reject"]
    claim = _ok(_post(client, f"{API}{cid}/local-review/", {"action": "local_pass"}))
    assert claim["state"] == "joint_review" and claim["review_round"] == 1

    for department in ("finance", "regulator", "industry"):
        client.force_login(steps.dept_user(world, department))
        before = _ok(client.get(f"{API}{cid}/"))
        assert before["actions"] == [f"{department}_approve", f"{department}_return", f"{department}_reject"]
        data = {"action": f"{department}_approve", "opinion": "同意"}
        if department == "industry":
            data |= {"adjusted_amount": "15000.00", "adjustment_reason": "一台设备验收延后，核减"}
        claim = _ok(_post(client, f"{API}{cid}/sign-off/", data))
        assert f"{department}_approve" not in claim["actions"]
    assert claim["state"] == "approved" and claim["approved_amount"] == "15000.00"
    assert claim["adjustment_reason"] == "一台设备验收延后，核减" and claim["actions"] == ["make_payable"]
    [current] = claim["rounds"]
    assert current["current"] and [s["department"] for s in current["signoffs"]] == ["finance", "regulator",
                                                                                      "industry"]
    claim = _ok(_post(client, f"{API}{cid}/make-payable/"))
    assert claim["state"] == "payable" and claim["actions"] == []

    client.force_login(world.ent_hz_user)
    final = _ok(client.get(f"{API}{cid}/"))
    assert final["state_label"] == "已列入拨付" and final["approved_amount"] == "15000.00"


def test_the_detail_carries_recognition_policies_documents_and_download_links(world, client):
    claim = steps.submitted(world)
    client.force_login(world.hz_user)

    body = _ok(client.get(f"{API}{claim.pk}/"))

    summary = body["recognition_summary"]
    assert summary["id"] == claim.recognition_id and summary["status"] == "valid"
    assert summary["certificate_number"] == claim.recognition.certificate_number
    [policy] = body["policies"]
    assert policy["unit_count"] == 1 and policy["units"][0]["serial_number"] == f"SN-{claim.recognition_id}"
    assert sorted(d["type"] for d in body["documents"]) == sorted(ClaimDocument.Type.values)
    document = body["documents"][0]
    download = client.get(document["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert body["actions"] == []  # 滨江 has its own bureau: the city does not review locally
    assert body["state_label"] == "地方初审"  # staff see the staff label


def test_a_return_starts_a_new_round_and_the_rounds_are_kept(world, client):
    claim = steps.in_joint_review(world)
    steps.approve(world, claim, "finance")
    client.force_login(world.regulator_user)
    returned = _ok(_post(client, f"{API}{claim.pk}/sign-off/", {"action": "regulator_return", "opinion": "补充保单"}))
    assert returned["state"] == "returned" and returned["return_reason"] == "补充保单"

    client.force_login(world.ent_hz_user)
    detail = _ok(client.get(f"{API}{claim.pk}/"))
    assert detail["actions"] == ["submit"] and detail["state_label"] == "待修改后重新提交"
    _ok(_post(client, f"{API}{claim.pk}/submit/"))
    client.force_login(world.binjiang_user)
    again = _ok(_post(client, f"{API}{claim.pk}/local-review/", {"action": "local_pass"}))

    assert again["review_round"] == 2
    assert [(r["review_round"], r["current"], len(r["signoffs"])) for r in again["rounds"]] == [(1, False, 2)]


def test_documents_are_removed_from_a_draft(world, client):
    claim = steps.draft(world)
    document = claim.documents.get(type="policy")
    client.force_login(world.ent_hz_user)

    response = client.delete(f"{API}{claim.pk}/documents/{document.pk}/")

    assert response.status_code == 204
    document.refresh_from_db()
    assert document.removed_at is not None
    body = _ok(client.get(f"{API}{claim.pk}/"))
    assert "保险公司盖章的保单" in body["missing"]["documents"][0]
    assert client.delete(f"{API}{claim.pk}/documents/{document.pk}/").status_code == 404
    submit = _post(client, f"{API}{claim.pk}/submit/")
    assert submit.status_code == 400 and "documents" in submit.json()["error"]["fields"]
    assert Claim.objects.get(pk=claim.pk).state == "draft"


def test_the_enterprise_changes_a_draft(world, client):
    claim = steps.draft(world, documents=False)
    extra = b.policy(world, claim.recognition, premium="100", equipment_value="10000", starts_on=dt.date(2025, 7, 1))
    client.force_login(world.ent_hz_user)

    body = _ok(client.patch(f"{API}{claim.pk}/", {"policies": [p.pk for p in claim.policies.all()] + [extra.pk],
                                                  "cover_year": 2}, content_type=JSON))

    assert body["cover_year"] == 2 and len(body["policies"]) == 2 and body["policy_count"] == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"cover_year": None}, "cover_year"),
        ({"cover_year": 0}, "cover_year"),
        ({"cover_year": 4}, "cover_year"),  # beyond the rule set's max_years (3)
        ({"policies": []}, "policies"),
        ({"policies": "x"}, "policies"),
        ({"recognition": "abc"}, "recognition"),
    ],
)
def test_bad_claims_name_the_field_and_write_nothing(world, client, data, field):
    recognition, policy = steps.eligible_recognition(world)
    client.force_login(world.ent_hz_user)
    payload = {"recognition": recognition.pk, "policies": [policy.pk], "cover_year": 1}
    payload.update({k: v for k, v in data.items()})
    payload = {k: v for k, v in payload.items() if v is not None}

    response = _post(client, API, payload)

    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Claim.objects.exists()


def test_a_policy_of_another_recognition_is_refused(world, client):
    recognition, _policy = steps.eligible_recognition(world)
    _other, other_policy = steps.eligible_recognition(world)
    client.force_login(world.ent_hz_user)

    response = _post(client, API, {"recognition": recognition.pk, "policies": [other_policy.pk], "cover_year": 1})

    assert response.status_code == 400 and "policies" in response.json()["error"]["fields"]
    assert not Claim.objects.exists()


def test_a_second_claim_for_the_same_year_is_refused(world, client):
    claim = steps.draft(world, documents=False)
    client.force_login(world.ent_hz_user)

    response = _post(client, API, {"recognition": claim.recognition_id,
                                   "policies": list(claim.policies.values_list("pk", flat=True)), "cover_year": 1})

    assert response.status_code == 400 and "cover_year" in response.json()["error"]["fields"]
    assert Claim.objects.count() == 1


def test_bad_documents_name_the_field_and_write_nothing(world, client):
    claim = steps.draft(world, documents=False)
    client.force_login(world.ent_hz_user)

    not_pdf = _upload(client, claim.pk, "policy", content=EXE_BYTES, name="policy.pdf")
    bad_type = _upload(client, claim.pk, "selfie")
    no_file = client.post(f"{API}{claim.pk}/documents/", {"type": "policy"})

    assert not_pdf.status_code == 400 and "file" in not_pdf.json()["error"]["fields"]
    assert bad_type.status_code == 400 and "type" in bad_type.json()["error"]["fields"]
    assert no_file.status_code == 400 and "file" in no_file.json()["error"]["fields"]
    assert not ClaimDocument.objects.exists()


def test_review_input_errors_name_the_field_and_write_nothing(world, client):
    local = steps.submitted(world)
    joint = steps.in_joint_review(world)

    client.force_login(world.binjiang_user)
    no_reason = _post(client, f"{API}{local.pk}/local-review/", {"action": "local_return"})
    bad_action = _post(client, f"{API}{local.pk}/local-review/", {"action": "industry_approve"})
    client.force_login(world.province_user)
    no_opinion = _post(client, f"{API}{joint.pk}/sign-off/", {"action": "industry_reject"})
    no_adjustment_reason = _post(client, f"{API}{joint.pk}/sign-off/",
                                 {"action": "industry_approve", "adjusted_amount": "100.00"})
    too_much = _post(client, f"{API}{joint.pk}/sign-off/",
                     {"action": "industry_approve", "adjusted_amount": "99999.00", "adjustment_reason": "多给"})
    client.force_login(world.finance_user)
    finance_adjusts = _post(client, f"{API}{joint.pk}/sign-off/",
                            {"action": "finance_approve", "adjusted_amount": "100.00", "adjustment_reason": "x"})

    for response, field in [(no_reason, "reason"), (bad_action, "action"), (no_opinion, "opinion"),
                            (no_adjustment_reason, "adjustment_reason"), (too_much, "adjusted_amount"),
                            (finance_adjusts, "adjusted_amount")]:
        assert response.status_code == 400, response.json()
        assert field in response.json()["error"]["fields"], response.json()
    assert Claim.objects.get(pk=local.pk).state == "local_review"
    assert Claim.objects.get(pk=joint.pk).state == "joint_review"
    assert not SignOff.objects.exists()


def test_a_department_signs_once_per_round(world, client):
    claim = steps.in_joint_review(world)
    client.force_login(world.finance_user)
    _ok(_post(client, f"{API}{claim.pk}/sign-off/", {"action": "finance_approve"}))

    again = _post(client, f"{API}{claim.pk}/sign-off/", {"action": "finance_reject", "opinion": "改主意"})

    assert again.status_code == 400 and "action" in again.json()["error"]["fields"]
    assert SignOff.objects.filter(claim=claim).count() == 1


def test_list_filters_and_search(world, client):
    hz = steps.submitted(world)
    draft = steps.draft(world, documents=False)
    nb = steps.submitted(world, world.ent_nb_user, world.ent_nb)
    second_year = steps.in_joint_review(world)
    Claim.objects.filter(pk=second_year.pk).update(cover_year=2)

    def ids(**params):
        response = client.get(API, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    client.force_login(world.province_user)
    assert ids() == {hz.pk, nb.pk, second_year.pk}  # drafts are the enterprise's own
    assert ids(state="local_review") == {hz.pk, nb.pk}
    assert ids(cover_year=2) == {second_year.pk}
    assert ids(city=world.nb.region_id) == {nb.pk}
    assert ids(q=nb.number) == {nb.pk}
    assert ids(q="宁波测试") == {nb.pk}
    assert ids(recognition=hz.recognition_id) == {hz.pk}
    bad = client.get(API, {"state": "nonsense"})
    assert bad.status_code == 400 and "state" in bad.json()["error"]["fields"]
    client.force_login(world.ent_hz_user)
    assert ids() == {hz.pk, draft.pk, second_year.pk}


def _bulk(world, n, recognition_cache):
    """n claims in varied states (local review, joint review with a sign-off, approved) as rows."""
    now = timezone.now()
    states = ["local_review", "joint_review", "approved", "returned"]
    made = []
    for i in range(n):
        if i % 3 == 0 or not recognition_cache:
            recognition_cache.append(steps.eligible_recognition(world))
        recognition, policy = recognition_cache[-1]
        claim = b.claim(world, recognition, [policy], cover_year=i % 3 + 1, state=states[i % 4], submitted_at=now,
                        review_round=1, computed_amount=Decimal("100.00"), eligible=True)
        if claim.state == "joint_review":
            SignOff.objects.create(claim=claim, review_round=1, department="finance", decision="approve",
                                   signed_by=world.finance_user)
        made.append(claim)
    return made


@pytest.mark.parametrize("who", ["province_user", "finance_user", "binjiang_user", "hz_user", "ent_hz_user"])
def test_the_list_queries_do_not_grow_with_its_length(world, client, who):
    cache = []
    _bulk(world, 1, cache)
    client.force_login(getattr(world, who))
    client.get(API)
    with CaptureQueriesContext(connection) as one:
        assert client.get(API, {"page_size": 50}).json()["count"] == 1
    _bulk(world, 15, cache)

    with CaptureQueriesContext(connection) as many:
        rows = client.get(API, {"page_size": 50}).json()["results"]

    assert len(rows) == 16
    assert len(many.captured_queries) == len(one.captured_queries), [q["sql"] for q in many.captured_queries]
    actions = {tuple(r["actions"]) for r in rows}
    expected = {
        "province_user": ("industry_approve", "industry_return", "industry_reject"),
        "finance_user": (),  # finance has signed every joint review of the bulk rows
        "binjiang_user": ("local_pass", "local_return", "local_reject"),
        "hz_user": (),
        "ent_hz_user": ("submit",),
    }[who]
    assert expected in actions


def test_the_export_is_an_excel_workbook_of_the_users_claims(world, client):
    mine = steps.submitted(world)
    other = steps.submitted(world, world.ent_nb_user, world.ent_nb)
    client.force_login(world.ent_hz_user)

    response = client.get(f"{API}export.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = {c for row in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True) for c in row}
    assert mine.number in cells and other.number not in cells
    client.force_login(world.province_user)
    filtered = client.get(f"{API}export.xlsx", {"city": world.nb.region_id})
    cells = {c for row in load_workbook(BytesIO(filtered.content)).active.iter_rows(values_only=True) for c in row}
    assert other.number in cells and mine.number not in cells


def test_the_schema_lists_the_insurance_routes(world, client):
    client.force_login(world.province_user)

    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert {
        "/api/v1/insurance/rule-sets/", "/api/v1/insurance/rule-sets/current/",
        "/api/v1/insurance/rule-sets/{id}/history/", "/api/v1/insurance/policies/",
        "/api/v1/insurance/policies/{id}/", "/api/v1/insurance/policies/export.xlsx", "/api/v1/insurance/claims/",
        "/api/v1/insurance/claims/{id}/", "/api/v1/insurance/claims/{id}/submit/",
        "/api/v1/insurance/claims/{id}/local-review/", "/api/v1/insurance/claims/{id}/sign-off/",
        "/api/v1/insurance/claims/{id}/make-payable/", "/api/v1/insurance/claims/{id}/documents/",
        "/api/v1/insurance/claims/{id}/documents/{document_id}/",
        "/api/v1/insurance/claims/{id}/documents/{document_id}/download/", "/api/v1/insurance/claims/export.xlsx",
    } <= set(response.json()["paths"])
