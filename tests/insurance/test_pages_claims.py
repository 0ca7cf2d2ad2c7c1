"""补偿申请 pages: the enterprise files a claim, uploads documents and submits; the local bureau passes; the three
departments sign off (industry adjusting the amount with a reason); industry lists it for payout. Refusals show
next to their field and write nothing; claims outside a user's scope answer 404; the list has constant queries."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insurance.models import Claim, ClaimDocument, SignOff
from tests.certification.helpers import PDF_BYTES
from tests.insurance import claim_steps as steps

pytestmark = pytest.mark.django_db


def _act(client, claim, action, **data):
    return client.post(reverse("claim_action", args=[claim.pk]), {"action": action, **data})


def test_enterprise_files_claim_through_pages(client, world):
    recognition, policy = steps.eligible_recognition(world)
    client.force_login(world.ent_hz_user)
    choose = client.get(reverse("claim_new"))
    assert choose.status_code == 200 and f'value="{recognition.pk}"' in choose.content.decode()
    url = reverse("claim_new") + f"?recognition={recognition.pk}"
    assert policy.policy_number in client.get(url).content.decode()
    response = client.post(url, {"policies": [str(policy.pk)], "cover_year": "1"})
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("claim_detail", args=[claim.pk])
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="upload-form"' in detail and 'data-check="recognition_valid"' in detail
    assert "16000.00" in detail  # the preview of the amount

    # Submitting without documents: the missing types are listed, nothing changes.
    response = _act(client, claim, "submit")
    assert response.status_code == 400 and "缺少申请材料" in response.content.decode()
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.DRAFT

    for type in ClaimDocument.Type.values:
        response = client.post(reverse("claim_document_upload", args=[claim.pk]),
                               {"type": type, "file": SimpleUploadedFile(f"{type}.pdf", PDF_BYTES)})
        assert response.status_code == 302
    document = claim.documents.first()
    download = client.get(reverse("claim_document_download", args=[claim.pk, document.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")

    response = _act(client, claim, "submit")
    assert response.status_code == 302
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.LOCAL_REVIEW and claim.computed_amount == steps.EXPECTED_AMOUNT
    html = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert "地方经信部门初审中" in html and 'data-testid="upload-form"' not in html
    assert 'data-action="claim.submitted"' in html


def test_upload_refuses_non_pdf_next_to_field(client, world):
    claim = steps.draft(world, documents=False)
    client.force_login(world.ent_hz_user)
    response = client.post(reverse("claim_document_upload", args=[claim.pk]),
                           {"type": "contract", "file": SimpleUploadedFile("a.pdf", b"not a pdf at all")})
    assert response.status_code == 400 and 'data-field-error="file"' in response.content.decode()
    assert not claim.documents.exists()


def test_remove_document_while_draft(client, world):
    claim = steps.draft(world)
    document = claim.documents.first()
    client.force_login(world.ent_hz_user)
    response = client.post(reverse("claim_document_remove", args=[claim.pk, document.pk]))
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.removed_at is not None


def test_documents_fixed_after_submission(client, world):
    claim = steps.submitted(world)
    document = claim.documents.first()
    client.force_login(world.ent_hz_user)
    assert client.post(reverse("claim_document_remove", args=[claim.pk, document.pk])).status_code == 403
    document.refresh_from_db()
    assert document.removed_at is None


def test_create_refused_cover_year_next_to_field(client, world):
    recognition, policy = steps.eligible_recognition(world)
    client.force_login(world.ent_hz_user)
    url = reverse("claim_new") + f"?recognition={recognition.pk}"
    response = client.post(url, {"policies": [str(policy.pk)], "cover_year": "9"})
    assert response.status_code == 400 and 'data-field-error="cover_year"' in response.content.decode()
    assert not Claim.objects.exists()


def test_create_for_other_enterprises_recognition_is_404(client, world):
    recognition, policy = steps.eligible_recognition(world, enterprise=world.ent_nb)
    client.force_login(world.ent_hz_user)
    url = reverse("claim_new") + f"?recognition={recognition.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, {"policies": [str(policy.pk)], "cover_year": "1"}).status_code == 404
    assert not Claim.objects.exists()


def test_edit_draft_cover_year(client, world):
    claim = steps.draft(world, documents=False)
    client.force_login(world.ent_hz_user)
    policy = claim.policies.get()
    response = client.post(reverse("claim_edit", args=[claim.pk]), {"policies": [str(policy.pk)], "cover_year": "2"})
    assert response.status_code == 302
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.cover_year == 2


def test_local_bureau_returns_with_reason_then_passes(client, world):
    claim = steps.submitted(world)
    client.force_login(world.binjiang_user)
    html = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert 'value="local_pass"' in html and 'value="local_return"' in html
    response = _act(client, claim, "local_return", opinion="")
    assert response.status_code == 400 and 'data-field-error="opinion"' in response.content.decode()
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.LOCAL_REVIEW
    assert _act(client, claim, "local_return", opinion="保费发票不清晰").status_code == 302
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.RETURNED and claim.return_reason == "保费发票不清晰"

    client.force_login(world.ent_hz_user)
    html = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert "保费发票不清晰" in html and 'data-testid="upload-form"' in html
    assert _act(client, claim, "submit").status_code == 302

    client.force_login(world.binjiang_user)
    assert _act(client, claim, "local_pass").status_code == 302
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.JOINT_REVIEW


def test_joint_review_signoffs_and_payable(client, world):
    claim = steps.in_joint_review(world)
    client.force_login(world.finance_user)
    html = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert 'value="finance_approve"' in html and 'name="adjusted_amount"' not in html
    assert _act(client, claim, "finance_approve").status_code == 302
    # The same department cannot sign twice: the button is gone.
    assert 'value="finance_approve"' not in client.get(reverse("claim_detail", args=[claim.pk])).content.decode()

    client.force_login(world.province_user)
    html = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert 'name="adjusted_amount"' in html
    response = _act(client, claim, "industry_approve", adjusted_amount="15000", adjustment_reason="")
    assert response.status_code == 400 and 'data-field-error="adjustment_reason"' in response.content.decode()
    assert not SignOff.objects.filter(department="industry").exists()
    response = _act(client, claim, "industry_approve", adjusted_amount="15000", adjustment_reason="扣除不合规部分")
    assert response.status_code == 302

    client.force_login(world.regulator_user)
    assert _act(client, claim, "regulator_approve", opinion="同意").status_code == 302
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.APPROVED and claim.approved_amount == Decimal("15000.00")
    html = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert 'data-department="regulator"' in html and "同意" in html and 'value="make_payable"' not in html

    client.force_login(world.province_user)
    assert _act(client, claim, "make_payable").status_code == 302
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.PAYABLE
    html = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert "扣除不合规部分" in html and 'data-action="claim.make_payable"' in html


def test_department_reject_needs_opinion(client, world):
    claim = steps.in_joint_review(world)
    client.force_login(world.regulator_user)
    response = _act(client, claim, "regulator_reject", opinion=" ")
    assert response.status_code == 400 and 'data-field-error="opinion"' in response.content.decode()
    assert not SignOff.objects.exists()


def test_action_not_available_changes_nothing(client, world):
    claim = steps.submitted(world)
    client.force_login(world.finance_user)
    response = _act(client, claim, "local_pass")
    assert response.status_code == 302
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.LOCAL_REVIEW


@pytest.mark.parametrize("user", ["ent_nb_user", "nb_user", "insurer"])
def test_claim_out_of_scope_is_404(client, world, user):
    claim = steps.submitted(world)
    document = claim.documents.first()
    if user == "insurer":
        from tests import factories as f

        account = f.member(claim.policies.get().insurer)
    else:
        account = getattr(world, user)
    client.force_login(account)
    assert client.get(reverse("claim_detail", args=[claim.pk])).status_code == 404
    assert client.post(reverse("claim_action", args=[claim.pk]), {"action": "local_pass"}).status_code == 404
    assert client.get(reverse("claim_document_download", args=[claim.pk, document.pk])).status_code == 404
    assert client.get(reverse("claim_edit", args=[claim.pk])).status_code == 404


def test_staff_do_not_see_drafts(client, world):
    claim = steps.draft(world)
    client.force_login(world.province_user)
    assert client.get(reverse("claim_detail", args=[claim.pk])).status_code == 404
    assert f'data-claim="{claim.pk}"' not in client.get(reverse("claim_list")).content.decode()


def test_list_per_role_with_filters(client, world):
    hz = steps.submitted(world)
    nb = steps.submitted(world, user=world.ent_nb_user, enterprise=world.ent_nb)
    client.force_login(world.hz_user)
    html = client.get(reverse("claim_list")).content.decode()
    assert f'data-claim="{hz.pk}"' in html and f'data-claim="{nb.pk}"' not in html
    client.force_login(world.finance_user)
    html = client.get(reverse("claim_list")).content.decode()
    assert f'data-claim="{hz.pk}"' in html and f'data-claim="{nb.pk}"' in html
    html = client.get(reverse("claim_list"), {"city": str(nb.city_id)}).content.decode()
    assert f'data-claim="{hz.pk}"' not in html and f'data-claim="{nb.pk}"' in html
    html = client.get(reverse("claim_list"), {"q": nb.recognition.certificate_number}).content.decode()
    assert f'data-claim="{hz.pk}"' not in html and f'data-claim="{nb.pk}"' in html
    html = client.get(reverse("claim_list"), {"state": "approved"}).content.decode()
    assert 'data-testid="empty"' in html
    html = client.get(reverse("claim_list"), {"cover_year": "1", "year": str(hz.recognition.year)}).content.decode()
    assert f'data-claim="{hz.pk}"' in html


def test_enterprise_list_shows_applicant_labels_and_empty_state(client, world):
    client.force_login(world.ent_hz_user)
    assert 'data-testid="empty"' in client.get(reverse("claim_list")).content.decode()
    steps.draft(world, documents=False)
    html = client.get(reverse("claim_list")).content.decode()
    assert "草稿（未提交）" in html and 'data-testid="my-policies"' in html


def test_claim_list_forbidden_without_role(client, world):
    from tests import factories as f

    client.force_login(f.member(steps.b.insurer()))
    assert client.get(reverse("claim_list")).status_code == 403


def test_claim_export_scoped(client, world):
    from io import BytesIO

    from openpyxl import load_workbook

    hz = steps.submitted(world)
    steps.submitted(world, user=world.ent_nb_user, enterprise=world.ent_nb)
    client.force_login(world.hz_user)
    response = client.get(reverse("claim_export"))
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [hz.number]
    assert client.get(reverse("claim_export"), {"cover_year": "x"}).status_code == 400


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("user", ["finance_user", "hz_user", "ent_hz_user"])
def test_claim_list_constant_queries(client, world, user, django_assert_num_queries):
    steps.submitted(world)
    client.force_login(getattr(world, user))
    url = reverse("claim_list")
    client.get(url)
    one = _queries(client, url)
    for _ in range(3):
        steps.submitted(world)
    with django_assert_num_queries(one):
        client.get(url)


def test_recognition_page_lists_policies_and_claims(client, world):
    claim = steps.submitted(world)
    draft = steps.draft(world, documents=False)
    client.force_login(world.province_user)
    html = client.get(reverse("recognition_detail", args=[claim.recognition_id])).content.decode()
    assert 'data-testid="recognition-insurance"' in html
    assert reverse("claim_detail", args=[claim.pk]) in html
    assert reverse("policy_detail", args=[claim.policies.get().pk]) in html
    # The draft of another recognition is not listed, and staff never see drafts.
    other = client.get(reverse("recognition_detail", args=[draft.recognition_id])).content.decode()
    assert reverse("claim_detail", args=[draft.pk]) not in other
    detail = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert reverse("recognition_detail", args=[claim.recognition_id]) in detail


def test_my_recognitions_links_to_insurance(client, world):
    recognition, _ = steps.eligible_recognition(world)
    client.force_login(world.ent_hz_user)
    html = client.get(reverse("recognition_mine")).content.decode()
    assert f"{reverse('claim_new')}?recognition={recognition.pk}" in html
    html = client.get(reverse("claim_list"), {"recognition": recognition.pk}).content.decode()
    assert 'data-testid="empty"' in html
