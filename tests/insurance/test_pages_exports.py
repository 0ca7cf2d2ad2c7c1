"""The Excel exports of claims and policies: one row per record, text never a formula, constant queries."""

from io import BytesIO

from openpyxl import load_workbook

from insurance.exports import claims_workbook, policies_workbook
from insurance.models import Claim, Policy
from tests.insurance import claim_steps as steps


def _rows(data):
    ws = load_workbook(BytesIO(data), read_only=True).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_claims_workbook_one_row_per_claim(world):
    claim = steps.submitted(world)
    rows = _rows(claims_workbook(Claim.objects.filter(pk=claim.pk)))
    assert rows[0][0] == "申请编号"
    assert rows[1][0] == claim.number
    assert claim.policies.get().policy_number in rows[1]
    assert "16000.00" in [str(v) for v in rows[1]] or 16000 in rows[1]


def test_policies_workbook_formula_text_stays_text(world):
    recognition, policy = steps.eligible_recognition(world)
    Policy.objects.filter(pk=policy.pk).update(policy_number="=1+1")
    rows = _rows(policies_workbook(Policy.objects.filter(pk=policy.pk)))
    assert rows[1][0] == "=1+1"
    assert rows[1][6] == 1


def test_workbooks_constant_queries(world, django_assert_num_queries):
    steps.submitted(world)
    with django_assert_num_queries(2):
        claims_workbook(Claim.objects.all())
    with django_assert_num_queries(2):
        policies_workbook(Policy.objects.all())
    for _ in range(3):
        steps.submitted(world)
    with django_assert_num_queries(2):
        claims_workbook(Claim.objects.all())
    with django_assert_num_queries(2):
        policies_workbook(Policy.objects.all())
