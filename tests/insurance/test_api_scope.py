"""The API's scope matrix for claims: anonymous 401; another enterprise and another region's bureau 404 (the
claim's existence does not leak); users who see a claim but may not take an action 403; and in every refused
case nothing is written (state, sign-offs, documents, audit)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from insurance.models import Claim, ClaimDocument, SignOff
from tests import factories as f
from tests.certification.helpers import PDF_BYTES
from tests.insurance import claim_steps as steps

API = "/api/v1/insurance/claims/"
JSON = "application/json"

pytestmark = pytest.mark.django_db


def _snapshot(claim):
    row = Claim.objects.values_list("state", "review_round", "approved_amount", "cover_year").get(pk=claim.pk)
    return (row, SignOff.objects.filter(claim=claim).count(),
            ClaimDocument.objects.filter(claim=claim, removed_at__isnull=True).count(), AuditEvent.objects.count())


def _requests(claim, document):
    """Every endpoint of one claim, as (method, url, data)."""
    base = f"{API}{claim.pk}/"
    return [
        ("get", base, None),
        ("patch", base, {"cover_year": 2}),
        ("post", f"{base}submit/", {}),
        ("post", f"{base}local-review/", {"action": "local_pass"}),
        ("post", f"{base}sign-off/", {"action": "industry_approve"}),
        ("post", f"{base}sign-off/", {"action": "finance_approve"}),
        ("post", f"{base}make-payable/", {}),
        ("delete", f"{base}documents/{document.pk}/", None),
        ("get", f"{base}documents/{document.pk}/download/", None),
    ]


def _call(client, method, url, data):
    if method == "get":
        return client.get(url)
    if method == "delete":
        return client.delete(url)
    return getattr(client, method)(url, data, content_type=JSON)


def test_anonymous_gets_401_everywhere(world, client):
    claim = steps.in_joint_review(world)
    document = claim.documents.first()
    before = _snapshot(claim)

    for method, url, data in [*_requests(claim, document), ("get", API, None), ("post", API, {}),
                              ("get", f"{API}export.xlsx", None)]:
        assert _call(client, method, url, data).status_code == 401, (method, url)
    assert _snapshot(claim) == before


@pytest.mark.parametrize("who", ["ent_nb_user", "nb_user", "expert_user", "outsider"])
@pytest.mark.parametrize("state", ["draft", "local_review", "joint_review"])
def test_outsiders_get_404_and_nothing_is_written(world, client, who, state):
    claim = {"draft": steps.draft, "local_review": steps.submitted, "joint_review": steps.in_joint_review}[state](world)
    document = claim.documents.first()
    user = f.UserFactory(username="outsider") if who == "outsider" else getattr(world, who)
    client.force_login(user)
    before = _snapshot(claim)

    for method, url, data in _requests(claim, document):
        assert _call(client, method, url, data).status_code == 404, (method, url)
    upload = client.post(f"{API}{claim.pk}/documents/",
                         {"type": "policy", "file": SimpleUploadedFile("p.pdf", PDF_BYTES)})
    assert upload.status_code == 404
    assert claim.pk not in {r["id"] for r in client.get(API).json()["results"]}
    assert _snapshot(claim) == before


def test_staff_do_not_see_drafts(world, client):
    claim = steps.draft(world)
    for who in ("province_user", "finance_user", "hz_user", "binjiang_user"):
        client.force_login(getattr(world, who))
        assert client.get(f"{API}{claim.pk}/").status_code == 404, who


@pytest.mark.parametrize(
    ("who", "action", "other"),
    [
        ("finance_user", "industry_approve", "industry"),
        ("province_user", "finance_approve", "finance"),
        ("regulator_user", "finance_reject", "finance"),
        ("finance_user", "regulator_return", "regulator"),
    ],
)
def test_a_department_cannot_sign_for_another(world, client, who, action, other):
    claim = steps.in_joint_review(world)
    client.force_login(getattr(world, who))
    before = _snapshot(claim)

    response = client.post(f"{API}{claim.pk}/sign-off/", {"action": action, "opinion": "越权"}, content_type=JSON)

    assert response.status_code in (403, 404), response.json()
    assert response.status_code == 403  # they see the claim (province level) but may not take the action
    assert response.json()["error"]["code"] == "permission_denied"
    assert _snapshot(claim) == before
    assert not SignOff.objects.filter(claim=claim, department=other).exists()


@pytest.mark.parametrize(
    ("who", "path", "data"),
    [
        ("ent_hz_user", "sign-off/", {"action": "industry_approve"}),
        ("ent_hz_user", "local-review/", {"action": "local_pass"}),
        ("hz_user", "local-review/", {"action": "local_pass"}),  # 滨江 has its own bureau
        ("province_user", "local-review/", {"action": "local_pass"}),
        ("binjiang_user", "sign-off/", {"action": "industry_approve"}),
        ("binjiang_user", "submit/", {}),
        ("province_user", "make-payable/", {}),  # not approved yet
    ],
)
def test_visible_but_not_theirs_to_take_is_403_and_writes_nothing(world, client, who, path, data):
    local = steps.submitted(world)
    joint = steps.in_joint_review(world)
    client.force_login(getattr(world, who))
    before = [_snapshot(local), _snapshot(joint)]

    for claim in (local, joint):
        response = client.post(f"{API}{claim.pk}/{path}", data, content_type=JSON)
        assert response.status_code == 403, (claim.state, response.json())

    assert [_snapshot(local), _snapshot(joint)] == before


def test_staff_cannot_change_the_enterprises_claim_or_documents(world, client):
    claim = steps.submitted(world)
    document = claim.documents.first()
    client.force_login(world.binjiang_user)
    before = _snapshot(claim)

    assert client.patch(f"{API}{claim.pk}/", {"cover_year": 2}, content_type=JSON).status_code == 403
    assert client.delete(f"{API}{claim.pk}/documents/{document.pk}/").status_code == 403
    upload = client.post(f"{API}{claim.pk}/documents/",
                         {"type": "policy", "file": SimpleUploadedFile("p.pdf", PDF_BYTES)})
    assert upload.status_code == 403
    assert _snapshot(claim) == before
    # They may read the documents (an audited download).
    assert client.get(f"{API}{claim.pk}/documents/{document.pk}/download/").status_code == 200


def test_a_document_of_another_claim_is_404_under_this_one(world, client):
    mine = steps.draft(world)
    other = steps.draft(world)
    document = other.documents.first()
    client.force_login(world.ent_hz_user)

    assert client.get(f"{API}{mine.pk}/documents/{document.pk}/download/").status_code == 404
    assert client.delete(f"{API}{mine.pk}/documents/{document.pk}/").status_code == 404
    assert ClaimDocument.objects.get(pk=document.pk).removed_at is None


def test_the_enterprise_cannot_edit_after_submission(world, client):
    claim = steps.submitted(world)
    client.force_login(world.ent_hz_user)
    before = _snapshot(claim)

    assert client.patch(f"{API}{claim.pk}/", {"cover_year": 2}, content_type=JSON).status_code == 403
    assert client.post(f"{API}{claim.pk}/submit/", {}, content_type=JSON).status_code == 403
    assert _snapshot(claim) == before
    assert Claim.objects.get(pk=claim.pk).cover_year == 1
