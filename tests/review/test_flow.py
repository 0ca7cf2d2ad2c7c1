"""The review workflow through its services: set up, assign, declare, score, aggregate, propose."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from certification.models import Application
from review import results
from review.models import Assignment, ExpertConflict, Proposal, ReviewRound, ScoreSheet
from review.services import assignments, proposals, rounds, sheets

from .builders import closed_batch, experts, passed_application, review_round, score_all, started_round

pytestmark = pytest.mark.django_db


def test_create_round_defaults(world):
    batch = closed_batch(world.province_user)
    passed_application(batch, world.ent_hz, field="medical")
    rr = review_round(world.province_user, batch)
    assert rr.experts_per_application == 5 and rr.aggregation == "trimmed"
    assert [c.name for c in rr.criteria.all()] == ["创新性", "先进性", "质量可靠性", "知识产权", "应用前景与效益"]
    assert sum(c.max_points for c in rr.criteria.all()) == 100
    assert [p.fields for p in rr.panels.all()] == [["medical"]]
    assert rounds.create_round(actor=world.province_user, batch=batch).pk == rr.pk


def test_only_province_staff_configure(world):
    batch = closed_batch(world.province_user)
    for user in (world.hz_user, world.ent_hz_user, world.expert_user, world.finance_user):
        with pytest.raises(PermissionDenied):
            rounds.create_round(actor=user, batch=batch)


def test_full_flow_to_proposal(world):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    app = Application.objects.get(pk=apps[0].pk)
    assert app.state == "expert_review"
    active = list(Assignment.objects.filter(application=app))
    assert len(active) == 3
    for a in active:
        score_all(a)
    row = results.application_result(ReviewRound.objects.get(pk=rr.pk), app.pk)
    assert row.sheets == 3 and row.score == Decimal("80.00") and row.majority == "domestic" and row.rank == 1
    proposal = proposals.record_proposal(actor=world.province_user, application_id=app.pk, outcome="domestic")
    assert proposal.score == Decimal("80.00")
    assert Application.objects.get(pk=app.pk).state == "proposed"
    with pytest.raises(ValidationError) as e:
        proposals.record_proposal(actor=world.province_user, application_id=app.pk, outcome="provincial")
    assert "reason" in e.value.message_dict
    proposals.record_proposal(actor=world.province_user, application_id=app.pk, outcome="provincial",
                              reason="国内同类产品已有应用，调整为省内首台（套）")
    assert Proposal.objects.get(application=app).outcome == "provincial"


def test_conflict_recuses_and_replacement(world):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=4)
    a = Assignment.objects.filter(application=apps[0]).first()
    assignments.declare(actor=a.expert, assignment_id=a.pk, conflict=True, reason="曾为该企业提供技术咨询")
    a.refresh_from_db()
    assert a.state == "recused"
    assert ExpertConflict.objects.filter(expert=a.expert, organisation=world.ent_hz).exists()
    out = assignments.auto_assign(actor=world.province_user, review_round=rr)
    assert out["created"] == 1 and out["shortages"] == []
    assert Assignment.objects.filter(application=apps[0], state__in=Assignment.ACTIVE).count() == 3
    assert not Assignment.objects.filter(application=apps[0], expert=a.expert, state="pending").exists()


def test_submitted_sheet_is_locked_and_reopen(world):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    a = Assignment.objects.filter(application=apps[0]).first()
    sheet = score_all(a)
    with pytest.raises(ValidationError):
        sheets.save_draft(actor=a.expert, sheet_id=sheet.pk, scores={}, comment="改一下")
    with pytest.raises(ValidationError):
        sheets.reopen(actor=world.province_user, sheet_id=sheet.pk, reason="")
    sheets.reopen(actor=world.province_user, sheet_id=sheet.pk, reason="知识产权项打分超出评分标准")
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.DRAFT and sheet.total is None and sheet.reopened_count == 1


def test_shortage_report(world):
    batch = closed_batch(world.province_user)
    app = passed_application(batch, world.ent_hz, field="ships")
    experts(2, fields=("ships",))
    experts(1, fields=("ships",), employer=world.ent_hz)
    rr = review_round(world.province_user, batch, experts_per_application=3)
    out = assignments.auto_assign(actor=world.province_user, review_round=rr)
    assert out["created"] == 2
    [s] = out["shortages"]
    assert (s["application"], s["needed"], s["assigned"], s["in_field"], s["available"]) == (app.pk, 3, 2, 3, 2)
    assert "还需 3 名专家，仅分配 2 名" in s["message"]
    with pytest.raises(ValidationError):
        rounds.start_round(actor=world.province_user, review_round=rr)


def test_flagged_conflict_withdraws_unsubmitted_assignments_and_blocks_reassignment(world):
    rr, apps, people = started_round(world, apps=2, per_application=3, pool=4)
    a = Assignment.objects.filter(application=apps[0]).first()
    with pytest.raises(ValidationError):
        assignments.flag_conflict(actor=world.province_user, expert=a.expert, organisation=world.ent_hz, reason="")
    with pytest.raises(PermissionDenied):
        assignments.flag_conflict(actor=world.hz_user, expert=a.expert, organisation=world.ent_hz, reason="前雇主")
    _conflict, withdrawn = assignments.flag_conflict(actor=world.province_user, expert=a.expert,
                                                     organisation=world.ent_hz, reason="曾在该企业任职")
    assert a.pk in withdrawn
    assert not Assignment.objects.filter(expert=a.expert, state__in=Assignment.ACTIVE).exists()
    with pytest.raises(ValidationError) as e:
        assignments.add_assignment(actor=world.province_user, review_round=rr, application=apps[0], expert=a.expert)
    assert "expert" in e.value.message_dict


def test_deactivating_an_expert_withdraws_unsubmitted_assignments(world):
    from accounts.experts import set_expert_active
    from accounts.models import ExpertProfile

    rr, apps, people = started_round(world, apps=2, per_application=3, pool=3)
    done, open_ = Assignment.objects.filter(expert=people[0]).order_by("id")[:2]
    score_all(done)
    set_expert_active(actor=world.province_user, profile=ExpertProfile.objects.get(user=people[0]), active=False,
                      reason="退休")
    assert Assignment.objects.get(pk=done.pk).state == "accepted"  # a submitted sheet stays
    assert Assignment.objects.get(pk=open_.pk).state == "removed"
    out = assignments.auto_assign(actor=world.province_user, review_round=rr)
    assert out["created"] == 0 and len(out["shortages"]) == 1  # nobody left to replace them in a pool of 3


def test_proposal_needs_the_configured_number_of_sheets(world):
    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    rows = list(Assignment.objects.filter(application=apps[0]))
    for a in rows[:2]:
        score_all(a)
    assignments.declare(actor=rows[2].expert, assignment_id=rows[2].pk, conflict=True, reason="曾参与该产品研发")
    with pytest.raises(ValidationError) as e:
        proposals.record_proposal(actor=world.province_user, application_id=apps[0].pk, outcome="domestic")
    assert "只有 2 份" in str(e.value)
    assert not Proposal.objects.exists()


def test_no_declaring_after_the_deadline(world):
    from datetime import timedelta

    from django.utils import timezone

    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    a = Assignment.objects.filter(application=apps[0]).first()
    ReviewRound.objects.filter(pk=rr.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError) as e:
        assignments.declare(actor=a.expert, assignment_id=a.pk, conflict=False)
    assert "截止" in str(e.value)
    assert Assignment.objects.get(pk=a.pk).state == "pending"


def test_once_on_a_published_notice_the_proposal_and_sheets_are_final(world):
    from django.utils import timezone

    from recognition.services import notices

    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    sheets_in = [score_all(a) for a in Assignment.objects.filter(application=apps[0])]
    proposals.record_proposal(actor=world.province_user, application_id=apps[0].pk, outcome="domestic")
    notice = notices.create_notice(actor=world.province_user, batch=rr.batch, title="拟认定名单公示",
                                   contact="电话：0571-87050000", starts_at=timezone.now())
    notices.publish_notice(actor=world.province_user, notice_id=notice.pk)
    with pytest.raises(ValidationError) as e:
        proposals.record_proposal(actor=world.province_user, application_id=apps[0].pk, outcome="provincial",
                                  reason="调整")
    assert "已列入公示" in str(e.value)
    with pytest.raises(ValidationError):
        sheets.reopen(actor=world.province_user, sheet_id=sheets_in[0].pk, reason="改分")
    assert Proposal.objects.get(application=apps[0]).outcome == "domestic"
    assert Application.objects.get(pk=apps[0].pk).state == "proposed"
