"""Demo data of insurance-premium compensation (保险补偿), loaded by `manage.py demo` after the recognition demo.

1. Rule sets: 2024 (the 2024 batch's recognitions are computed with it; the window for first-year policy starts
   from the decision date 2024-11-08 to the end of 2025) and 2025 (calendar years 2025–2026), both with the
   defaults, created by prov_staff; the 2025 rule set then changed once (yearly step 10 → 15 percentage points),
   so its page shows two versions.
2. Policies on units of six products recognised in the 2024 batch (contracts and deliveries after the decision),
   insured by the demo insurer (中国人民财产保险股份有限公司浙江省分公司) and bought by Zhejiang user organisations,
   entered by the enterprises through the policy service: one renewed for a second year of cover (彩虹), one with
   a premium rate above the 2% cap (万丰), one that received national compensation (天润, an exclusion).
3. Claims in every state, each filed by the enterprise (the six PDFs uploaded through the document service) and
   moved by the logins whose step it is: the county bureau's preliminary review, the three province departments'
   sign-offs (prov_staff, prov_finance, regulator), prov_staff listing for payout.

Time: policies carry their past dates (the policy service accepts them); claims are filed, reviewed and decided
today through the services, nothing is back-dated.

Idempotent: each rule set year and each enterprise's scenario (found by its first policy number) is built in one
transaction, so a second run creates nothing.
"""

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from accounts import demo_data as D
from accounts.models import Organisation, Region, User
from audit.services import record
from certification.demo import demo_pdf
from recognition.demo import CONCLUDED_NAME
from recognition.models import Recognition

from .models import Claim, ClaimDocument, Policy, RuleSet
from .services import claims as claim_services
from .services import policies as policy_services
from .services import rules as rule_services
from .services.documents import upload_document

d = dt.date
RULES_2024 = dict(window_start=d(2024, 11, 8), window_end=d(2025, 12, 31),
                  note="适用于2024年度认定产品：首年保单起保日期自认定之日（2024年11月8日）起至2025年12月31日，其余为默认规则。")
RULES_2025 = dict(window_start=d(2025, 1, 1), window_end=d(2026, 12, 31),
                  note="适用于2025年度认定产品：首年保单起保日期2025年1月1日至2026年12月31日，其余为默认规则。")
RULES_2025_CHANGE = dict(yearly_step=Decimal("0.15"),
                         note="根据2025年度补偿资金安排，第二、三年补偿比例逐年递减由10个百分点调整为15个百分点。")

# User organisations (用户单位): key, name, region code, USCC prefix, serial.
BUYERS = {
    "survey": ("浙江省测绘科学技术研究院", "3301", "12", 3201),
    "aviation": ("浙江长龙通用航空有限公司", "3301", "91", 3202),
    "dialyser": ("台州康源血液净化制品有限公司", "3310", "91", 3203),
    "gearbox": ("杭州前进齿轮箱集团股份有限公司", "3301", "91", 3204),
    "aero": ("浙江西子航空工业有限公司", "3301", "91", 3205),
    "sewing": ("杰克科技股份有限公司", "3310", "91", 3206),
    "machining": ("浙江银轮机械股份有限公司", "3310", "91", 3207),
}

REASON_FINANCE_RETURN = ("保费发票（发票号码 33102500000004817）金额为40,716.00元，与保单载明保费40,176.00元不一致，"
                         "请核对后重新上传保费发票和保险公司保费全额到账证明。")
REASON_LOCAL_REJECT = ("该保单已获国家首台（套）重大技术装备保险补偿，依据补偿规则，同一保单不得重复享受省级保险补偿，"
                       "本申请不予补偿。")
OPINION = "材料齐全，测算无误，同意。"


def _units(prefix, contract, rows):
    """rows: (serial, contract date, delivered on) → the policy service's unit dicts."""
    return [{"serial_number": f"{prefix}{serial}", "contract_number": contract(i), "contract_date": signed,
             "delivered_on": delivered} for i, (serial, signed, delivered) in enumerate(rows)]


def _gear_units():
    rows = [(f"{i + 1:03d}", d(2024, 11, 20), d(2025, 1, 15)) for i in range(6)]
    rows += [(f"{i + 7:03d}", d(2025, 3, 10), d(2025, 5, 20)) for i in range(6)]
    return _units("SH-RT-250-G24", lambda i: "SHCD-2024-118" if i < 6 else "SHCD-2025-027", rows)


def _motor_units():
    rows = [(f"{i + 1:04d}", d(2024, 11, 15), d(2024, 12, 10)) for i in range(24)]
    rows += [(f"{i + 25:04d}", d(2025, 2, 20), d(2025, 3, 18)) for i in range(24)]
    return _units("QD622-24", lambda i: "QX-2024-1115" if i < 24 else "QX-2025-0220", rows)


def _policy(number, buyer, value, premium, starts_on, paid_on, units, **extra):
    return dict(policy_number=number, buyer=buyer, equipment_value=Decimal(value), premium=Decimal(premium),
                coverage_limit=Decimal(value), starts_on=starts_on,
                ends_on=starts_on.replace(year=starts_on.year + 1) - dt.timedelta(days=1), premium_paid_on=paid_on,
                units=units, **extra)


# One scenario per enterprise: its policies (a renewal names the policy it renews) and its claims, each with
# the policies it carries and the state it is brought to.
SCENARIOS = [
    dict(login="caihong", local="luqiao_staff", policies=[
        _policy("PZAB202433100000000187", "survey", "48600000", "631800", d(2024, 12, 20), d(2024, 12, 27),
                _units("CH4-EMS-", lambda i: "CH-XS-2024-112", [("2406", d(2024, 11, 18), d(2024, 12, 16))])),
        _policy("PZAB202533100000000214", "survey", "48600000", "583200", d(2025, 12, 20), d(2025, 12, 26),
                _units("CH4-EMS-", lambda i: "CH-XS-2024-112", [("2406", d(2024, 11, 18), d(2024, 12, 16))]),
                renewal_of="PZAB202433100000000187"),
    ], claims=[
        dict(cover_year=1, policies=["PZAB202433100000000187"], state="payable"),
        dict(cover_year=2, policies=["PZAB202533100000000214"], state="local_review"),
    ]),
    dict(login="wanfeng", local="xinchang_staff", policies=[
        _policy("PZAB202533060000000032", "aviation", "7960000", "206960", d(2025, 2, 20), d(2025, 2, 28),
                _units("DA40NG-40.N", lambda i: ("WF-2024-DA40-031", "WF-2025-DA40-004")[i],
                       [("512", d(2024, 11, 26), d(2025, 2, 20)), ("513", d(2025, 1, 9), d(2025, 2, 20))])),
    ], claims=[dict(cover_year=1, policies=["PZAB202533060000000032"], state="approved")]),
    dict(login="maide", local="yuhuan_staff", policies=[
        _policy("PZAB202533100000000095", "dialyser", "24500000", "392000", d(2025, 4, 20), d(2025, 4, 30),
                _units("MD-HFS-1800-", lambda i: "MD-2024-1206", [("2407", d(2024, 12, 6), d(2025, 4, 15))])),
    ], claims=[dict(cover_year=1, policies=["PZAB202533100000000095"], state="joint_review")]),
    dict(login="shuanghuan", local="yuhuan_staff", policies=[
        _policy("PZAB202533100000000128", "gearbox", "2232000", "40176", d(2025, 6, 1), d(2025, 6, 12),
                _gear_units()),
    ], claims=[dict(cover_year=1, policies=["PZAB202533100000000128"], state="returned")]),
    dict(login="tianrun", local="xiaoshan_staff", policies=[
        _policy("PZAB202533010000000051", "aero", "4140000", "74520", d(2025, 3, 10), d(2025, 3, 20),
                _units("TR-BD-300-", lambda i: "TR-2024-1212", [
                    ("2501", d(2024, 12, 12), d(2025, 3, 5)), ("2502", d(2024, 12, 12), d(2025, 3, 5)),
                    ("2503", d(2024, 12, 12), d(2025, 3, 5))]),
                national_compensation=True),
    ], claims=[dict(cover_year=1, policies=["PZAB202533010000000051"], state="rejected")]),
    dict(login="qixing", local="jiaojiang_staff", policies=[
        _policy("PZAB202533100000000066", "sewing", "117600", "1764", d(2025, 3, 20), d(2025, 3, 31),
                _motor_units()),
    ], claims=[dict(cover_year=1, policies=["PZAB202533100000000066"], state="local_review")]),
    dict(login="haideman", local="yuhuan_staff", policies=[
        _policy("PZAB202533100000000143", "machining", "4920000", "83640", d(2025, 4, 15), d(2025, 4, 25),
                _units("VZ7000-", lambda i: "HDM-2025-008", [
                    ("25011", d(2025, 1, 8), d(2025, 3, 28)), ("25012", d(2025, 1, 8), d(2025, 4, 10))])),
    ], claims=[dict(cover_year=1, policies=["PZAB202533100000000143"], state="draft",
                    documents=["contract", "acceptance", "policy"])]),
]
DEPARTMENTS = {"industry": "prov_staff", "finance": "prov_finance", "regulator": "regulator"}


# --- organisations -----------------------------------------------------------------------------------------


def _insurer():
    return Organisation.objects.get(kind=Organisation.Kind.INSURER, uscc=D.uscc("91", "330100", 3001))


def _buyers():
    """The user organisations (registered once, like the other demo organisations): {key: Organisation}."""
    out = {}
    for key, (name, region, prefix, serial) in BUYERS.items():
        code = D.uscc(prefix, region + "00", serial)
        org = Organisation.objects.filter(uscc=code).first()
        if org is None:
            org = Organisation(kind=Organisation.Kind.OTHER, name=name, uscc=code,
                               region=Region.objects.get(code=region), status=Organisation.Status.APPROVED,
                               contact_name="设备管理部", contact_phone="0571-88888888")
            org.full_clean()
            org.save()
            record(action="demo.org_created", organisation=org, obj=org, after={"name": name, "uscc": code,
                                                                               "kind": org.kind})
        out[key] = org
    return out


# --- rule sets ---------------------------------------------------------------------------------------------


def _rule_sets(prov):
    created = False
    if not RuleSet.objects.filter(year=2024, batch__isnull=True).exists():
        with transaction.atomic():
            rule_services.create_rule_set(actor=prov, year=2024, **RULES_2024)
        created = True
    if not RuleSet.objects.filter(year=2025, batch__isnull=True).exists():
        with transaction.atomic():
            first = rule_services.create_rule_set(actor=prov, year=2025, **RULES_2025)
            rule_services.update_rule_set(prov, first.pk, **RULES_2025_CHANGE)
        created = True
    return created


# --- one scenario ------------------------------------------------------------------------------------------


def _upload(user, claim, types):
    for type in types:
        label = ClaimDocument.Type(type).label
        pdf = demo_pdf(f"{claim.number} - {type.replace('_', ' ')} (demo)")
        upload_document(actor=user, claim_id=claim.pk, type=type,
                        uploaded_file=ContentFile(pdf, name=f"{label}-{claim.number}.pdf"))


def _sign(claim, department, decision="approve", opinion=OPINION):
    actor = User.objects.get(username=DEPARTMENTS[department])
    return claim_services.sign_off(actor=actor, claim_id=claim.pk, action=f"{department}_{decision}",
                                   opinion=opinion)


def _advance(claim, state, enterprise_user, local_user):
    """From draft to `state` through the services, each step by the login whose step it is."""
    if state == Claim.State.DRAFT:
        return claim
    claim = claim_services.submit(actor=enterprise_user, claim_id=claim.pk)
    if state == Claim.State.LOCAL_REVIEW:
        return claim
    if state == Claim.State.REJECTED:
        return claim_services.local_review(actor=local_user, claim_id=claim.pk, action="local_reject",
                                           reason=REASON_LOCAL_REJECT)
    claim = claim_services.local_review(actor=local_user, claim_id=claim.pk, action="local_pass")
    if state == Claim.State.JOINT_REVIEW:
        return _sign(claim, "industry")
    if state == Claim.State.RETURNED:
        _sign(claim, "regulator")
        return _sign(claim, "finance", "return", REASON_FINANCE_RETURN)
    for department in ("finance", "regulator", "industry"):
        claim = _sign(claim, department)
    if state == Claim.State.PAYABLE:
        claim = claim_services.make_payable(actor=User.objects.get(username="prov_staff"), claim_id=claim.pk)
    return claim


def _scenario(s, insurer, buyers):
    user = User.objects.get(username=s["login"])
    local_user = User.objects.get(username=s["local"])
    recognition = Recognition.objects.get(batch__name=CONCLUDED_NAME, enterprise__memberships__user=user)
    numbers = {}
    for p in s["policies"]:
        data = {k: v for k, v in p.items() if k not in ("buyer", "renewal_of")}
        policy = policy_services.create_policy(
            actor=user, recognition_id=recognition.pk, insurer_id=insurer.pk, buyer_id=buyers[p["buyer"]].pk,
            renewal_of_id=numbers[p["renewal_of"]].pk if p.get("renewal_of") else None, **data)
        numbers[policy.policy_number] = policy
    for c in s["claims"]:
        claim = claim_services.create_claim(actor=user, recognition_id=recognition.pk, cover_year=c["cover_year"],
                                            policy_ids=[numbers[n].pk for n in c["policies"]])
        _upload(user, claim, c.get("documents", ClaimDocument.Type.values))
        claim = _advance(claim, c["state"], user, local_user)
        if claim.state != c["state"]:
            raise RuntimeError(f"demo claim {claim.number} ended in {claim.state}, not {c['state']}")


def load():
    """Create what is missing. Returns True when something was created."""
    prov = User.objects.get(username="prov_staff")
    created = _rule_sets(prov)
    insurer = _insurer()
    with transaction.atomic():
        buyers = _buyers()
    for s in SCENARIOS:
        first = s["policies"][0]["policy_number"]
        if Policy.objects.filter(insurer=insurer, policy_number=first).exists():
            continue
        with transaction.atomic():
            _scenario(s, insurer, buyers)
        created = True
    return created


def summary():
    """Lines for the demo command's output."""
    lines = []
    rule_sets = RuleSet.objects.filter(year__in=(2024, 2025), batch__isnull=True).order_by("year", "version")
    if rule_sets:
        lines.append("Insurance rule sets: " + ", ".join(
            f"{rs.year} v{rs.version}{' (current)' if rs.current else ''}" for rs in rule_sets))
    numbers = [p["policy_number"] for s in SCENARIOS for p in s["policies"]]
    policies = Policy.objects.filter(policy_number__in=numbers, insurer=_insurer())
    if not policies:
        return lines
    logins = {s["login"] for s in SCENARIOS}
    login_of = dict(User.objects.filter(username__in=logins).values_list("memberships__organisation", "username"))
    claims = Claim.objects.filter(policies__in=policies).distinct().select_related("recognition")
    lines.append(f"Insurance: {policies.count()} policies (insurer login: insurer), {claims.count()} claims, "
                 "/insurance/claims/:")
    for claim in claims.order_by("number"):
        amount = claim.approved_amount if claim.approved_amount is not None else claim.computed_amount
        shown = f"{amount:,} 元" if amount is not None else "-"
        lines.append(f"  {claim.number} {claim.state:<13} {login_of.get(claim.enterprise_id, ''):<10} "
                     f"{claim.recognition.product_name[:12]} 第{claim.cover_year}年 {shown}")
    return lines
