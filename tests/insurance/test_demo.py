"""`manage.py demo` adds insurance compensation: rule sets (2025 with two versions), policies of recognised 2024
demo products and claims in every state, moved through the services by the demo logins; a second run changes
nothing."""

import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from audit.models import AuditEvent
from certification import storage
from insurance import demo
from insurance.models import Claim, ClaimDocument, Policy, RuleSet, SignOff
from insurance.services.documents import REQUIRED_TYPES
from recognition.demo import CONCLUDED_NAME, DECISION_DATE
from tests.factories import ensure_regions

pytestmark = pytest.mark.django_db
State = Claim.State


def _run():
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def _state():
    counts = {m._meta.label: m.objects.count() for m in apps.get_models() if not m._meta.proxy}
    claims = list(Claim.objects.order_by("pk").values_list("number", "state", "computed_amount", "approved_amount",
                                                          "rule_set_id", "review_round"))
    return counts, claims


def test_demo_rule_sets_policies_and_claims_in_every_state():
    """One test (the whole demo takes a while): the content, then a second run that changes nothing."""
    ensure_regions()
    output = _run()
    assert "Insurance: " in output and "/insurance/claims/" in output

    _rule_sets_with_history()
    _policies_on_recognised_products()
    claims = _claims_in_every_state()
    _payable_claim_has_its_frozen_amount(claims[State.PAYABLE])
    _joint_review_and_return(claims)
    _rejected_for_the_national_exclusion(claims[State.REJECTED])
    _documents_match_their_files()

    before = _state()
    assert "Insurance: " in _run()
    assert _state() == before


def _rule_sets_with_history():
    assert list(RuleSet.objects.filter(year=2024, batch__isnull=True).values_list("version", "current")) == [(1, True)]
    versions = RuleSet.objects.filter(year=2025, batch__isnull=True).order_by("version")
    assert [(rs.version, rs.current) for rs in versions] == [(1, False), (2, True)]
    assert versions[0].yearly_step == Decimal("0.10") and versions[1].yearly_step == Decimal("0.15")
    assert versions[1].note
    rules_2024 = RuleSet.objects.get(year=2024)
    assert rules_2024.rate_cap == Decimal("0.02") and rules_2024.ratio_domestic == Decimal("0.80")
    assert rules_2024.window_start <= min(Policy.objects.filter(renewal_of__isnull=True)
                                          .values_list("starts_on", flat=True))
    assert AuditEvent.objects.filter(action="insurance.rule_set_changed").count() == 1


def _policies_on_recognised_products():
    policies = Policy.objects.select_related("recognition", "insurer", "buyer")
    assert policies.count() == sum(len(s["policies"]) for s in demo.SCENARIOS)
    for p in policies:
        assert p.recognition.batch.name == CONCLUDED_NAME and p.insurer.kind == "insurer"
        assert p.insurer.memberships.filter(user__username="insurer").exists()
        assert p.buyer.region.code.startswith("33") and p.buyer_id != p.enterprise_id
        assert Decimal("0.01") <= p.premium / p.equipment_value <= Decimal("0.03")
        for unit in p.units.all():
            assert DECISION_DATE < unit.contract_date <= unit.delivered_on
    assert policies.filter(national_compensation=True).count() == 1
    renewal = policies.get(renewal_of__isnull=False)
    assert renewal.starts_on == renewal.renewal_of.ends_on + dt.timedelta(days=1)
    assert AuditEvent.objects.filter(action="policy.created").count() == policies.count()


def _claims_in_every_state():
    by_state = {}
    for claim in Claim.objects.order_by("number"):
        by_state.setdefault(claim.state, claim)
    assert set(by_state) == set(State.values)
    for claim in Claim.objects.exclude(state=State.DRAFT):
        assert claim.submitted_at and claim.rule_set.year == 2024 and claim.computed_amount is not None
        assert AuditEvent.objects.filter(action="claim.submitted", object_id=str(claim.pk)).exists()
    draft = by_state[State.DRAFT]
    present = set(draft.documents.values_list("type", flat=True))
    assert present and present != set(REQUIRED_TYPES)
    year_two = Claim.objects.get(cover_year=2)
    assert year_two.eligible and year_two.computed_amount == Decimal("408240.00")  # 583,200 × (80% − 10%)
    return by_state


def _payable_claim_has_its_frozen_amount(claim):
    assert claim.eligible and claim.approved_amount == claim.computed_amount == Decimal("505440.00")
    assert claim.rule_set is not None and claim.working["rule_set"]["version"] == claim.rule_set.version
    assert claim.approved_at is not None
    signed = set(claim.signoffs.filter(review_round=claim.review_round, decision="approve")
                 .values_list("department", "signed_by__username"))
    assert signed == {("industry", "prov_staff"), ("finance", "prov_finance"), ("regulator", "regulator")}
    approved = Claim.objects.get(state=State.APPROVED)
    assert approved.approved_amount == approved.computed_amount == Decimal("111440.00")  # rate 2.6% capped at 2%


def _joint_review_and_return(claims):
    joint = claims[State.JOINT_REVIEW]
    assert list(joint.signoffs.values_list("department", "decision")) == [("industry", "approve")]
    returned = claims[State.RETURNED]
    assert returned.return_reason
    assert returned.signoffs.filter(department=SignOff.Department.FINANCE, decision="return").exists()


def _rejected_for_the_national_exclusion(claim):
    assert claim.eligible is False and claim.return_reason
    assert claim.policies.get().national_compensation
    exclusions = next(c for c in claim.working["checks"] if c["code"] == "exclusions")
    assert not exclusions["passed"] and "国家" in exclusions["reason"]


def _documents_match_their_files():
    documents = ClaimDocument.objects.all()
    submitted = Claim.objects.exclude(state=State.DRAFT).count()
    assert documents.count() >= submitted * len(REQUIRED_TYPES)
    for document in documents:
        data = storage.resolve(document.path).read_bytes()
        assert data.startswith(b"%PDF") and len(data) == document.size
        assert hashlib.sha256(data).hexdigest() == document.sha256
