"""Steps of the claim workflow through its services, for the policy, claim, scope and sign-off tests.

The standard case: world.ent_hz (滨江, which has a county bureau with staff: world.binjiang_user reviews locally),
a domestic recognition decided 2025-03-01, the 2025 rule set with its defaults, one policy of 1,000,000 CNY
equipment at a 2% premium (20,000 CNY) starting 2025-06-01 on one unit delivered 2025-05-20 → eligible,
20,000 × 80% = 16,000.00 CNY in year 1.
"""

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile

from insurance.models import ClaimDocument
from insurance.services import claims as claim_services
from insurance.services.documents import upload_document
from tests.certification.helpers import PDF_BYTES
from tests.insurance import builders as b

EXPECTED_AMOUNT = Decimal("16000.00")
DEPARTMENT_USERS = {"industry": "province_user", "finance": "finance_user", "regulator": "regulator_user"}


def eligible_recognition(world, enterprise=None, **policy_kwargs):
    """A recognition of `enterprise` (default world.ent_hz) with the 2025 rules and one eligible policy."""
    if not world.__dict__.get("_claim_rules"):
        world._claim_rules = b.rule_set(world, 2025)
    recognition = b.recognition_for(world, enterprise=enterprise)
    serial = f"SN-{recognition.pk}"
    policy = b.policy(world, recognition, premium="20000", equipment_value="1000000", starts_on=dt.date(2025, 6, 1),
                      units=[(serial, dt.date(2025, 5, 1), dt.date(2025, 5, 20))], **policy_kwargs)
    return recognition, policy


def upload_all(user, claim, types=None):
    for type in types or ClaimDocument.Type.values:
        upload_document(actor=user, claim_id=claim.pk, type=type,
                        uploaded_file=ContentFile(PDF_BYTES, name=f"{type}.pdf"))


def draft(world, user=None, enterprise=None, documents=True, cover_year=1):
    """A draft claim made by the service, with all six documents unless documents=False."""
    user = user or world.ent_hz_user
    recognition, policy = eligible_recognition(world, enterprise=enterprise)
    claim = claim_services.create_claim(actor=user, recognition_id=recognition.pk, policy_ids=[policy.pk],
                                        cover_year=cover_year)
    if documents:
        upload_all(user, claim)
    return claim


def submitted(world, user=None, enterprise=None):
    user = user or world.ent_hz_user
    claim = draft(world, user, enterprise)
    return claim_services.submit(actor=user, claim_id=claim.pk)


def in_joint_review(world, user=None, enterprise=None, local=None):
    claim = submitted(world, user, enterprise)
    return claim_services.local_review(actor=local or world.binjiang_user, claim_id=claim.pk, action="local_pass")


def dept_user(world, department):
    return getattr(world, DEPARTMENT_USERS[department])


def approve(world, claim, department, **kwargs):
    return claim_services.sign_off(actor=dept_user(world, department), claim_id=claim.pk,
                                   action=f"{department}_approve", **kwargs)


def approved(world):
    claim = in_joint_review(world)
    for department in DEPARTMENT_USERS:
        claim = approve(world, claim, department)
    return claim
