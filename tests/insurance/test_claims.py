"""Claims through their services: creation and numbering, documents, submission with the computation, local
review, the joint review's sign-offs, the frozen amount and listing for payout."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404

from audit.models import AuditEvent
from insurance.models import Claim, ClaimDocument, SignOff
from insurance.services import claims as svc
from insurance.services import computation
from insurance.services.documents import open_document, remove_document, upload_document
from notifications.models import Notification
from tests import factories as f
from tests.certification.helpers import EXE_BYTES, PDF_BYTES
from tests.insurance import builders as b
from tests.insurance import claim_steps as steps

# --- creation ------------------------------------------------------------------------------------------------


def test_create_claim_numbers_and_places_it(world):
    first = steps.draft(world, documents=False)
    second = steps.draft(world, documents=False)
    year = first.created_at.year
    assert first.number == f"BX{year}-00001" and second.number == f"BX{year}-00002"
    assert first.state == Claim.State.DRAFT
    assert (first.city_id, first.region_id) == (f.region("3301").pk, f.region("330106").pk)
    assert AuditEvent.objects.filter(action="claim.created", object_id=str(first.pk)).count() == 1


def test_create_claim_for_another_enterprises_recognition_is_404(world):
    recognition, policy = steps.eligible_recognition(world)
    with pytest.raises(Http404):
        svc.create_claim(actor=world.ent_nb_user, recognition_id=recognition.pk, policy_ids=[policy.pk], cover_year=1)
    assert not Claim.objects.exists()


def test_create_claim_refuses_foreign_policy_year_out_of_range_and_duplicate_year(world):
    recognition, policy = steps.eligible_recognition(world)
    _other, other_policy = steps.eligible_recognition(world)
    user = world.ent_hz_user
    with pytest.raises(ValidationError) as exc:
        svc.create_claim(actor=user, recognition_id=recognition.pk, policy_ids=[other_policy.pk], cover_year=1)
    assert "policies" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        svc.create_claim(actor=user, recognition_id=recognition.pk, policy_ids=[], cover_year=1)
    assert "policies" in exc.value.message_dict
    for year in (0, 4, "x"):
        with pytest.raises(ValidationError) as exc:
            svc.create_claim(actor=user, recognition_id=recognition.pk, policy_ids=[policy.pk], cover_year=year)
        assert "cover_year" in exc.value.message_dict
    svc.create_claim(actor=user, recognition_id=recognition.pk, policy_ids=[policy.pk], cover_year=3)
    with pytest.raises(ValidationError) as exc:
        svc.create_claim(actor=user, recognition_id=recognition.pk, policy_ids=[policy.pk], cover_year=3)
    assert "cover_year" in exc.value.message_dict
    assert Claim.objects.count() == 1


def test_create_claim_max_year_follows_the_rule_set(world):
    recognition, policy = steps.eligible_recognition(world)
    b.rule_set(world, 2025, max_years=2)
    with pytest.raises(ValidationError):
        svc.create_claim(actor=world.ent_hz_user, recognition_id=recognition.pk, policy_ids=[policy.pk], cover_year=3)


def test_create_claim_on_revoked_recognition_refused(world):
    recognition, policy = steps.eligible_recognition(world)
    type(recognition).objects.filter(pk=recognition.pk).update(status="revoked")
    with pytest.raises(ValidationError) as exc:
        svc.create_claim(actor=world.ent_hz_user, recognition_id=recognition.pk, policy_ids=[policy.pk], cover_year=1)
    assert "recognition" in exc.value.message_dict


# --- documents -----------------------------------------------------------------------------------------------


def test_document_must_be_a_pdf_by_its_bytes(world):
    claim = steps.draft(world, documents=False)
    with pytest.raises(ValidationError) as exc:
        upload_document(actor=world.ent_hz_user, claim_id=claim.pk, type="contract",
                        uploaded_file=ContentFile(EXE_BYTES, name="合同.pdf"))
    assert "PDF" in exc.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as exc:
        upload_document(actor=world.ent_hz_user, claim_id=claim.pk, type="bogus",
                        uploaded_file=ContentFile(PDF_BYTES, name="x.pdf"))
    assert "type" in exc.value.message_dict
    assert not ClaimDocument.objects.exists()


def test_document_over_20_mb_refused(world, settings):
    claim = steps.draft(world, documents=False)
    big = ContentFile(PDF_BYTES + b"0" * (20 * 1024 * 1024), name="大.pdf")
    with pytest.raises(ValidationError) as exc:
        upload_document(actor=world.ent_hz_user, claim_id=claim.pk, type="contract", uploaded_file=big)
    assert "20" in exc.value.message_dict["file"][0]
    assert not ClaimDocument.objects.exists()


def test_documents_only_by_the_enterprise_while_editable(world):
    claim = steps.draft(world, documents=False)
    with pytest.raises(Http404):  # another enterprise cannot see the draft
        steps.upload_all(world.ent_nb_user, claim, ["contract"])
    steps.upload_all(world.ent_hz_user, claim)
    claim = svc.submit(actor=world.ent_hz_user, claim_id=claim.pk)
    with pytest.raises(PermissionDenied):
        steps.upload_all(world.ent_hz_user, claim, ["contract"])
    doc = claim.documents.first()
    with pytest.raises(PermissionDenied):
        remove_document(actor=world.ent_hz_user, document_id=doc.pk)


def test_document_download_scoped_and_audited_for_staff(world):
    claim = steps.submitted(world)
    doc = claim.documents.first()
    _d, handle = open_document(actor=world.ent_hz_user, document_id=doc.pk)
    handle.close()
    assert not AuditEvent.objects.filter(action="claim.document_downloaded").exists()
    _d, handle = open_document(actor=world.binjiang_user, document_id=doc.pk)
    assert handle.read() == PDF_BYTES
    handle.close()
    event = AuditEvent.objects.get(action="claim.document_downloaded")
    assert event.actor_id == world.binjiang_user.pk and event.after["sha256"] == doc.sha256
    for outsider in (world.ent_nb_user, world.nb_user, world.expert_user):
        with pytest.raises(Http404):
            open_document(actor=outsider, document_id=doc.pk)


def test_submit_refused_while_documents_missing(world):
    claim = steps.draft(world, documents=False)
    steps.upload_all(world.ent_hz_user, claim, ["contract", "acceptance", "policy", "premium_invoice",
                                                "premium_receipt"])
    with pytest.raises(ValidationError) as exc:
        svc.submit(actor=world.ent_hz_user, claim_id=claim.pk)
    assert "企业付款凭证" in exc.value.message_dict["documents"][0]
    steps.upload_all(world.ent_hz_user, claim, ["payment_voucher"])
    removed = claim.documents.get(type="contract")
    remove_document(actor=world.ent_hz_user, document_id=removed.pk)
    with pytest.raises(ValidationError) as exc:
        svc.submit(actor=world.ent_hz_user, claim_id=claim.pk)
    assert "销售合同或发票" in exc.value.message_dict["documents"][0]
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.DRAFT


# --- submission and local review -----------------------------------------------------------------------------


def test_submit_stores_the_computation_and_tells_the_county(world):
    claim = steps.submitted(world)
    assert claim.state == Claim.State.LOCAL_REVIEW
    assert claim.eligible is True and claim.computed_amount == steps.EXPECTED_AMOUNT
    assert claim.rule_set_id == world._claim_rules.pk and claim.working["checks"]
    assert claim.submitted_at is not None
    told = Notification.objects.filter(kind="claim.to_review")
    assert {n.recipient_id for n in told} == {world.binjiang_user.pk}


def test_ineligible_claim_is_submitted_with_its_reasons_and_cannot_be_approved(world):
    recognition, policy = steps.eligible_recognition(world, paid_on=None)  # premium never paid in full
    claim = svc.create_claim(actor=world.ent_hz_user, recognition_id=recognition.pk, policy_ids=[policy.pk],
                             cover_year=1)
    steps.upload_all(world.ent_hz_user, claim)
    claim = svc.submit(actor=world.ent_hz_user, claim_id=claim.pk)
    assert claim.state == Claim.State.LOCAL_REVIEW and claim.eligible is False
    assert any(not c["passed"] for c in claim.working["checks"])
    claim = svc.local_review(actor=world.binjiang_user, claim_id=claim.pk, action="local_pass")
    with pytest.raises(ValidationError):
        steps.approve(world, claim, "finance")
    assert not SignOff.objects.exists()


def test_city_reviews_where_the_county_has_no_bureau(world):
    xiaoshan_user = f.member(world.ent_hz_other_county)
    claim = steps.submitted(world, xiaoshan_user, enterprise=world.ent_hz_other_county)
    with pytest.raises(Http404):  # another county's bureau does not even see it
        svc.local_review(actor=world.binjiang_user, claim_id=claim.pk, action="local_pass")
    claim = svc.local_review(actor=world.hz_user, claim_id=claim.pk, action="local_pass")
    assert claim.state == Claim.State.JOINT_REVIEW and claim.review_round == 1


def test_county_reviews_where_it_has_staff_not_the_city(world):
    claim = steps.submitted(world)
    with pytest.raises(PermissionDenied):
        svc.local_review(actor=world.hz_user, claim_id=claim.pk, action="local_pass")
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.LOCAL_REVIEW


def test_local_pass_opens_a_round_and_tells_the_three_departments(world):
    claim = steps.in_joint_review(world)
    assert claim.state == Claim.State.JOINT_REVIEW and claim.review_round == 1
    told = {n.recipient_id for n in Notification.objects.filter(kind="claim.to_review", subject__contains="联审")}
    assert told == {world.province_user.pk, world.finance_user.pk, world.regulator_user.pk}


@pytest.mark.parametrize("action, state", [("local_return", "returned"), ("local_reject", "rejected")])
def test_local_return_and_reject_need_a_reason_and_tell_the_enterprise(world, action, state):
    claim = steps.submitted(world)
    with pytest.raises(ValidationError) as exc:
        svc.local_review(actor=world.binjiang_user, claim_id=claim.pk, action=action, reason="  ")
    assert "reason" in exc.value.message_dict
    claim = svc.local_review(actor=world.binjiang_user, claim_id=claim.pk, action=action, reason="保单复印件不清晰")
    assert claim.state == state and claim.return_reason == "保单复印件不清晰"
    told = Notification.objects.get(kind="claim.decision")
    assert told.recipient_id == world.ent_hz_user.pk and "保单复印件不清晰" in told.body
    assert AuditEvent.objects.get(action=f"claim.{action}").reason == "保单复印件不清晰"


# --- joint review --------------------------------------------------------------------------------------------


def test_three_approvals_in_any_order_approve_with_the_computed_amount(world):
    claim = steps.in_joint_review(world)
    for department in ("regulator", "industry"):
        claim = steps.approve(world, claim, department)
        assert claim.state == Claim.State.JOINT_REVIEW and claim.approved_amount is None
    claim = steps.approve(world, claim, "finance", opinion="同意")
    assert claim.state == Claim.State.APPROVED
    assert claim.approved_amount == steps.EXPECTED_AMOUNT and claim.approved_at is not None
    assert SignOff.objects.filter(claim=claim, review_round=1, decision="approve").count() == 3
    decision = Notification.objects.get(kind="claim.decision")
    assert decision.recipient_id == world.ent_hz_user.pk and "16000.00" in decision.body
    payable_told = Notification.objects.filter(kind="claim.to_review", subject__contains="拨付")
    assert {n.recipient_id for n in payable_told} == {world.province_user.pk}


def test_a_department_signs_once_per_round(world):
    claim = steps.in_joint_review(world)
    steps.approve(world, claim, "finance")
    with pytest.raises(ValidationError) as exc:
        steps.approve(world, claim, "finance")
    assert "已在本轮" in exc.value.message_dict["action"][0]
    with pytest.raises(ValidationError):
        svc.sign_off(actor=world.finance_user, claim_id=claim.pk, action="finance_reject", opinion="再议")
    assert SignOff.objects.filter(claim=claim).count() == 1


@pytest.mark.parametrize("department", ["industry", "finance", "regulator"])
@pytest.mark.parametrize("decision, state", [("return", "returned"), ("reject", "rejected")])
def test_any_department_ends_the_round_with_a_return_or_reject(world, department, decision, state):
    claim = steps.in_joint_review(world)
    other = next(d for d in steps.DEPARTMENT_USERS if d != department)
    steps.approve(world, claim, other)
    user = steps.dept_user(world, department)
    with pytest.raises(ValidationError) as exc:
        svc.sign_off(actor=user, claim_id=claim.pk, action=f"{department}_{decision}")
    assert "opinion" in exc.value.message_dict
    claim = svc.sign_off(actor=user, claim_id=claim.pk, action=f"{department}_{decision}", opinion="保费发票与保单不符")
    assert claim.state == state and claim.return_reason == "保费发票与保单不符"
    assert Notification.objects.get(kind="claim.decision").recipient_id == world.ent_hz_user.pk
    last = next(d for d in steps.DEPARTMENT_USERS if d not in (department, other))
    with pytest.raises(PermissionDenied):  # the round has ended
        steps.approve(world, claim, last)


def test_returned_claim_resubmits_into_a_new_round_and_old_signoffs_do_not_count(world):
    claim = steps.in_joint_review(world)
    steps.approve(world, claim, "industry")
    steps.approve(world, claim, "regulator")
    svc.sign_off(actor=world.finance_user, claim_id=claim.pk, action="finance_return", opinion="补充付款凭证")
    steps.upload_all(world.ent_hz_user, claim, ["payment_voucher"])
    claim = svc.submit(actor=world.ent_hz_user, claim_id=claim.pk)
    assert claim.state == Claim.State.LOCAL_REVIEW and claim.return_reason == ""
    assert AuditEvent.objects.filter(action="claim.resubmitted", object_id=str(claim.pk)).count() == 1
    claim = svc.local_review(actor=world.binjiang_user, claim_id=claim.pk, action="local_pass")
    assert claim.review_round == 2
    claim = steps.approve(world, claim, "finance")
    # Round 1's industry and regulator approvals lapsed: both must sign again.
    assert claim.state == Claim.State.JOINT_REVIEW
    claim = steps.approve(world, claim, "industry")
    assert claim.state == Claim.State.JOINT_REVIEW
    claim = steps.approve(world, claim, "regulator")
    assert claim.state == Claim.State.APPROVED
    assert SignOff.objects.filter(claim=claim).count() == 6


def test_industry_adjusted_amount_needs_a_reason_and_becomes_the_approved_amount(world):
    claim = steps.in_joint_review(world)
    with pytest.raises(ValidationError) as exc:
        steps.approve(world, claim, "industry", adjusted_amount="12000")
    assert "adjustment_reason" in exc.value.message_dict
    for bad in ("0", "16000.01", "abc", "1.001"):
        with pytest.raises(ValidationError) as exc:
            steps.approve(world, claim, "industry", adjusted_amount=bad, adjustment_reason="核减")
        assert "adjusted_amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        steps.approve(world, claim, "finance", adjusted_amount="12000", adjustment_reason="核减")
    assert "adjusted_amount" in exc.value.message_dict
    assert not SignOff.objects.exists()
    steps.approve(world, claim, "finance")
    steps.approve(world, claim, "industry", adjusted_amount="12000.50", adjustment_reason="一台设备未按期验收，核减")
    claim = steps.approve(world, claim, "regulator")
    assert claim.state == Claim.State.APPROVED
    assert claim.approved_amount == Decimal("12000.50") and claim.computed_amount == steps.EXPECTED_AMOUNT
    assert claim.adjustment_reason == "一台设备未按期验收，核减"


def test_industry_approval_at_the_computed_amount_is_no_adjustment(world):
    claim = steps.in_joint_review(world)
    steps.approve(world, claim, "industry", adjusted_amount="16000.00")
    steps.approve(world, claim, "finance")
    claim = steps.approve(world, claim, "regulator")
    assert claim.approved_amount == steps.EXPECTED_AMOUNT and claim.adjustment_reason == ""


def test_approved_claim_keeps_its_amount_and_rules_when_the_rules_change(world):
    claim = steps.approved(world)
    old_rules = claim.rule_set_id
    b.rule_set(world, 2025, ratio_domestic=Decimal("0.50"))
    assert computation.recompute([claim.pk]) == 0
    svc.make_payable(actor=world.province_user, claim_id=claim.pk)
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == Claim.State.PAYABLE
    assert claim.rule_set_id == old_rules
    assert claim.approved_amount == claim.computed_amount == steps.EXPECTED_AMOUNT


def test_rule_change_before_submission_applies(world):
    """The control for the freeze: a draft submitted after the change gets the new ratio (50% of 20,000)."""
    claim = steps.draft(world)
    b.rule_set(world, 2025, ratio_domestic=Decimal("0.50"))
    claim = svc.submit(actor=world.ent_hz_user, claim_id=claim.pk)
    assert claim.computed_amount == Decimal("10000.00")


def test_make_payable_by_province_industry_only_and_tells_the_enterprise(world):
    claim = steps.approved(world)
    for user in (world.finance_user, world.regulator_user, world.ent_hz_user):
        with pytest.raises((PermissionDenied, Http404)):
            svc.make_payable(actor=user, claim_id=claim.pk)
    with pytest.raises(Http404):  # out of scope
        svc.make_payable(actor=world.nb_user, claim_id=claim.pk)
    claim = svc.make_payable(actor=world.province_user, claim_id=claim.pk)
    assert claim.state == Claim.State.PAYABLE
    assert Notification.objects.filter(kind="claim.decision", subject__contains="拨付",
                                       recipient=world.ent_hz_user).count() == 1
    with pytest.raises(PermissionDenied):
        svc.make_payable(actor=world.province_user, claim_id=claim.pk)


def test_every_transition_is_audited_with_from_and_to(world):
    claim = steps.approved(world)
    svc.make_payable(actor=world.province_user, claim_id=claim.pk)
    events = list(AuditEvent.objects.filter(object_type="insurance.Claim", object_id=str(claim.pk)).order_by("id"))
    assert [e.action for e in events] == [
        "claim.created", "claim.submitted", "claim.local_pass", "claim.industry_approve", "claim.finance_approve",
        "claim.regulator_approve", "claim.make_payable"]
    assert [(e.before or {}).get("state") for e in events[1:]] == [
        "draft", "local_review", "joint_review", "joint_review", "joint_review", "approved"]
    assert events[-1].after["state"] == "payable" and events[-2].after["approved_amount"] == "16000.00"


def test_update_claim_only_while_editable(world):
    claim = steps.draft(world)
    recognition = claim.recognition
    second = b.policy(world, recognition, premium="1000", equipment_value="100000", starts_on=dt.date(2025, 7, 1))
    claim = svc.update_claim(actor=world.ent_hz_user, claim_id=claim.pk,
                             policy_ids=[second.pk, *claim.policies.values_list("pk", flat=True)])
    assert claim.policies.count() == 2
    svc.submit(actor=world.ent_hz_user, claim_id=claim.pk)
    with pytest.raises(PermissionDenied):
        svc.update_claim(actor=world.ent_hz_user, claim_id=claim.pk, cover_year=2)
