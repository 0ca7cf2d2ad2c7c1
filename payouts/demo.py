"""Demo data of 资金拨付 (domain.md §6, §7), loaded by `manage.py demo` after the procurement demo.

1. Budgets, set by prov_finance: the 2025 reward budget (6,000,000 CNY: enough for most of the 2024 batch's
   rewards, not for all of them) and the compensation budget of the year the payable claims were approved.
2. The reward rule of the concluded 2024 batch (recognition/demo.py CONCLUDED_NAME), set by prov_staff: the
   default amounts (2,000,000 / 1,000,000 / 500,000 CNY), paid from the 2025 budget; components excluded; 宁波
   excluded (it runs its own policy); 武义茗山's tea harvester marked as recognised by list guidance. prov_staff
   then proposes the rewards: the valid recognitions the rule allows get a payout, the others are skipped with
   the reason (the revoked 衢江 recognition is no longer valid and gets none).
3. The payouts moved through the services by the logins whose step it is: enterprises fill their receiving
   accounts (all but 海德曼, 缙云 and the rejected 太湖), prov_staff approves (industry) or rejects one with a
   reason, prov_finance approves (finance) and allocates on two dates with a document, and the local bureaus
   (luqiao_staff, yuhuan_staff, hz_finance) disburse with the bank's reference. One allocation to 杭州 is not disbursed after
   45 days (overdue), another to 台州 is 10 days old.
4. The payable insurance claim of insurance/demo.py (彩虹, year 1) becomes a compensation payout (the claim's hook
   or propose_compensation), approved, allocated and paid today.

5. A claw-back (追回): after 天润's reward (500,000 CNY) was disbursed, prov_staff revokes its recognition through
   the recognition service (CLAWBACK_REASON, CLAWBACK_DOCUMENT); the revocation opens a recovery owed by the
   enterprise, and hz_finance records one partial repayment (CLAWBACK_REPAID), so 200,000 is back and 300,000
   still owed. The recovered amount is released from the 2025 reward budget (budgets.py).

Time: the services accept past allocation and disbursement dates, so those are given relative to the day the demo
runs. The proposal and approval times of the payouts allocated in the past are then moved back before their
allocation date by direct updates, one audit event ("demo.payout_backdated") each; the audit log keeps the real
times (it is append-only).

Idempotent: the budgets are found by year and kind, the rewards by the batch's reward rule, the compensation by
the claim's payout past proposal; each part is built in one transaction, so a second run creates nothing.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import record
from insurance import demo as insurance_demo
from insurance.models import Claim
from recognition.demo import CONCLUDED_NAME
from recognition.models import Recognition

from .models import Budget, Kind, Payout, Recovery, RewardRule
from .services import approvals, budgets, proposals, recoveries, rules

S = Payout.State
REWARD_YEAR = 2025
REWARD_BUDGET = Decimal("6000000")
COMPENSATION_BUDGET = Decimal("3000000")
BUDGET_NOTES = {
    Kind.REWARD: "省级首台（套）产品奖励资金，用于2024年度认定产品（浙经信装备〔2024〕112号）的奖励。",
    Kind.COMPENSATION: "省级首台（套）保险补偿资金，用于经信、财政、金融监管部门联审核定的保险补偿。",
}
RULE_NOTE = (
    "按《浙江省首台（套）产品认定管理办法》：国际、国内、省内首台（套）产品分别奖励200万元、100万元、50万元，"
    "从2025年度省级资金中列支；零部件类产品和清单引导、标准认定的产品不予奖励；宁波市执行本地政策，不在省级奖励范围。"
)
LIST_GUIDED = "mingshan"  # 武义茗山农业机械: 丘陵山地自走式名优茶采摘机
REJECT_REASON = (
    "经核查，该企业2025年因安全生产违法行为受到行政处罚，已被列入严重失信主体名单，依据奖励资金管理有关规定，"
    "本次不予拨付奖励资金。"
)
ALLOCATION_DOCUMENTS = {
    "first": "浙财企〔{year}〕38号",
    "second": "浙财企〔{year}〕52号",
    "compensation": "浙财企〔{year}〕61号",
}
ALLOCATED_DAYS_AGO = {"first": 45, "second": 10}

# The reward payouts, by the enterprise's login: the state each is brought to, the receiving account the
# enterprise fills in (None: left empty), and for allocations the allocation (first: 45 days ago, second: 10 days
# ago) and for disbursements who passes the money on, how many days after the allocation, with which reference.
BANK = {
    "caihong": ("中国工商银行台州路桥支行", "1207011209000123456"),
    "maide": ("中国农业银行玉环市支行", "19925101040012345"),
    "tianrun": ("杭州银行萧山支行", "3301040160012345678"),
    "huaying": ("浙江富阳农村商业银行股份有限公司", "201000123456789"),
    "wanfeng": ("中国银行新昌支行", "368658331234"),
    "chaocheng": ("嘉兴银行海宁支行", "80100012345678901"),
    "donghai": ("中国建设银行岱山支行", "33050166703509001234"),
}
REWARDS = [
    dict(
        login="caihong",
        state=S.DISBURSED,
        allocation="first",
        local="luqiao_staff",
        after_days=12,
        reference="ICBC2026PAY0001187",
    ),
    dict(
        login="maide",
        state=S.DISBURSED,
        allocation="first",
        local="yuhuan_staff",
        after_days=20,
        reference="ABC2026YH00004521",
    ),
    dict(
        login="tianrun",
        state=S.DISBURSED,
        allocation="first",
        local="hz_finance",
        after_days=26,
        reference="HZB2026XS00073310",
    ),
    dict(login="huaying", state=S.ALLOCATED, allocation="first"),  # 45 days: overdue
    dict(login="haideman", state=S.ALLOCATED, allocation="second"),  # no account yet
    dict(login="wanfeng", state=S.FINANCE_APPROVED),
    dict(login="chaocheng", state=S.INDUSTRY_APPROVED),
    dict(login="taihu", state=S.REJECTED, reason=REJECT_REASON),
    dict(login="donghai", state=S.PROPOSED),
    dict(login="jinyun", state=S.PROPOSED),
]
CLAWBACK_LOGIN = "tianrun"  # 杭州萧山, reward disbursed by hz_finance; its insurance claim was rejected
CLAWBACK_DOCUMENT = "浙经信装备〔2026〕15号"
CLAWBACK_REASON = (
    "经专项审计核查，该产品认定时提交的首台销售合同系与关联企业签订，设备实际未交付使用，首台（套）认定条件不成立，"
    "撤销其认定并追回已拨付的奖励资金。"
)
CLAWBACK_REPAID = Decimal("200000")
CLAWBACK_REPAID_DAYS_AGO = 3
CLAWBACK_REFERENCE = "HZB2026XS00081452"
COMPENSATION_LOCAL = "luqiao_staff"  # 彩虹 is in 路桥
COMPENSATION_REFERENCE = "ICBC2026PAY0002316"


def _user(username):
    return User.objects.get(username=username)


def _today():
    return timezone.localdate()


def _enterprise_login(payout):
    return User.objects.filter(memberships__organisation=payout.enterprise_id).order_by("pk").first()


def _get(payout):
    """The payout as stored now (its state is a protected FSM field: re-get it, never refresh_from_db)."""
    return Payout.objects.get(pk=payout.pk)


# --- budgets -------------------------------------------------------------------------------------------------


def _budget(year, kind, amount):
    if Budget.objects.filter(year=year, kind=kind).exists():
        return False
    with transaction.atomic():
        budgets.save_budget(actor=_user("prov_finance"), year=year, kind=kind, amount=amount, note=BUDGET_NOTES[kind])
    return True


# --- rewards -------------------------------------------------------------------------------------------------


def _batch_recognitions():
    return Recognition.objects.filter(batch__name=CONCLUDED_NAME).select_related("batch")


def _recognition_of(login):
    return _batch_recognitions().get(enterprise__memberships__user__username=login)


def _rewards():
    recs = _batch_recognitions()
    batch = recs.first().batch
    prov, fin = _user("prov_staff"), _user("prov_finance")
    rules.save_reward_rule(
        actor=prov,
        batch_id=batch.pk,
        amount_international=Decimal("2000000"),
        amount_domestic=Decimal("1000000"),
        amount_provincial=Decimal("500000"),
        exclude_components=True,
        list_guided_ids=[_recognition_of(LIST_GUIDED).pk],
        budget_year=REWARD_YEAR,
        note=RULE_NOTE,
    )
    proposals.propose_rewards(actor=prov, batch_id=batch.pk)
    by_login = {
        s["login"]: Payout.objects.get(kind=Kind.REWARD, recognition=_recognition_of(s["login"])) for s in REWARDS
    }
    if len(by_login) != Payout.objects.filter(kind=Kind.REWARD, recognition__batch=batch).count():
        raise RuntimeError("the demo's reward scenarios do not cover every proposed reward")

    for login, (bank_name, account) in BANK.items():
        if login in by_login:
            approvals.set_bank_account(
                actor=_user(login), payout_id=by_login[login].pk, bank_name=bank_name, bank_account=account
            )
    # Industry approvals first (and the rejection), then finance, then the allocations, then the disbursements:
    # the order they happen in an office.
    for s in REWARDS:
        payout = by_login[s["login"]]
        if s["state"] == S.REJECTED:
            approvals.reject(actor=prov, payout_id=payout.pk, reason=s["reason"])
        elif s["state"] != S.PROPOSED:
            approvals.approve_industry(actor=prov, payout_id=payout.pk)
    for s in REWARDS:
        if s["state"] in (S.FINANCE_APPROVED, S.ALLOCATED, S.DISBURSED):
            approvals.approve_finance(actor=fin, payout_id=by_login[s["login"]].pk)
    today = _today()
    allocated_on = {}
    for allocation, days in ALLOCATED_DAYS_AGO.items():
        on = today - dt.timedelta(days=days)
        allocated_on[allocation] = on
        # One allocation document per city (the province passes each city its share).
        by_city = {}
        for s in REWARDS:
            if s.get("allocation") == allocation:
                payout = by_login[s["login"]]
                by_city.setdefault(payout.city_id, []).append(payout.pk)
        for ids in by_city.values():
            approvals.allocate(
                actor=fin,
                payout_ids=ids,
                allocated_on=on,
                document=ALLOCATION_DOCUMENTS[allocation].format(year=on.year),
            )
    for s in REWARDS:
        if s["state"] == S.DISBURSED:
            on = allocated_on[s["allocation"]] + dt.timedelta(days=s["after_days"])
            approvals.disburse(
                actor=_user(s["local"]),
                payout_id=by_login[s["login"]].pk,
                disbursed_on=on,
                bank_reference=s["reference"],
            )
    for s in REWARDS:
        payout = _get(by_login[s["login"]])
        if payout.state != s["state"]:
            raise RuntimeError(f"demo payout {payout.number} ended in {payout.state}, not {s['state']}")
        if payout.allocated_on:
            _backdate(payout, payout.allocated_on, prov)


def _backdate(payout, allocated_on, actor):
    """Proposal and approvals before the allocation date (the services ran now)."""
    allocated = dt.datetime.combine(allocated_on, dt.time(10), tzinfo=timezone.get_current_timezone())
    times = {
        "created_at": allocated - dt.timedelta(days=28),
        "industry_approved_at": allocated - dt.timedelta(days=21),
        "finance_approved_at": allocated - dt.timedelta(days=9, hours=-4),
    }
    Payout.objects.filter(pk=payout.pk).update(**times)
    record(
        action="demo.payout_backdated",
        actor=actor,
        obj=payout,
        after=times,
        reason="演示数据：已下达资金的拨付，其拟拨付和经信、财政审核时间前移到资金下达日期之前。",
    )


# --- compensation --------------------------------------------------------------------------------------------


def _demo_payable_claims():
    """The payable claims of insurance/demo.py (found by their first policy number), not any a user made payable."""
    numbers = [c["policies"][0] for s in insurance_demo.SCENARIOS for c in s["claims"] if c["state"] == "payable"]
    return Claim.objects.filter(state=Claim.State.PAYABLE, policies__policy_number__in=numbers).distinct()


def _compensations():
    """The demo's payable claims' payouts: proposed (the make_payable hook did it, or propose_compensation now),
    then approved, allocated and paid today. Returns True when something was done."""
    done = False
    for claim in _demo_payable_claims().order_by("pk"):
        payout = Payout.objects.filter(claim=claim).first()
        if payout is not None and payout.state != S.PROPOSED:
            continue
        with transaction.atomic():
            payout = proposals.propose_compensation(claim_id=claim.pk)
            _budget(payout.year, Kind.COMPENSATION, COMPENSATION_BUDGET)
            enterprise_user = _enterprise_login(payout)
            login = enterprise_user.username if enterprise_user else ""
            if login in BANK:
                bank_name, account = BANK[login]
                approvals.set_bank_account(
                    actor=enterprise_user, payout_id=payout.pk, bank_name=bank_name, bank_account=account
                )
            fin = _user("prov_finance")
            approvals.approve_industry(actor=_user("prov_staff"), payout_id=payout.pk)
            approvals.approve_finance(actor=fin, payout_id=payout.pk)
            today = _today()
            approvals.allocate(
                actor=fin,
                payout_ids=[payout.pk],
                allocated_on=today,
                document=ALLOCATION_DOCUMENTS["compensation"].format(year=today.year),
            )
            approvals.disburse(
                actor=_user(COMPENSATION_LOCAL),
                payout_id=payout.pk,
                disbursed_on=today,
                bank_reference=COMPENSATION_REFERENCE,
            )
        done = True
    return done


def _clawback():
    """Revoke 天润's recognition after its reward was disbursed (the recovery opens in the revocation), then one
    partial repayment. Returns True when something was done."""
    from recognition.services import recognitions

    rec = _recognition_of(CLAWBACK_LOGIN)
    payout = Payout.objects.filter(kind=Kind.REWARD, recognition=rec, state=S.DISBURSED).first()
    if payout is None:
        return False
    done = False
    with transaction.atomic():
        if rec.status == Recognition.Status.VALID:
            recognitions.revoke(
                actor=_user("prov_staff"),
                recognition_id=rec.pk,
                reason=CLAWBACK_REASON,
                document_number=CLAWBACK_DOCUMENT,
            )
            done = True
        recovery = Recovery.objects.filter(payout=payout).first()
        if recovery is not None and not recovery.repayments.exists():
            recoveries.record_repayment(
                actor=_user("hz_finance"),
                recovery_id=recovery.pk,
                amount=CLAWBACK_REPAID,
                paid_on=_today() - dt.timedelta(days=CLAWBACK_REPAID_DAYS_AGO),
                reference=CLAWBACK_REFERENCE,
            )
            done = True
    return done


def load():
    """Create what is missing. Returns True when something was created."""
    created = _budget(REWARD_YEAR, Kind.REWARD, REWARD_BUDGET)
    if not RewardRule.objects.filter(batch__name=CONCLUDED_NAME).exists():
        with transaction.atomic():
            _rewards()
        created = True
    created = _compensations() or created
    created = _clawback() or created
    approvals.flag_overdue()  # what the hourly beat does: the overdue allocation is notified now
    return created


def demo_payouts():
    """The payouts this demo made: the rewards of the concluded batch and the compensations of payable claims."""
    return Payout.objects.filter(recognition__batch__name=CONCLUDED_NAME)


def summary():
    """Lines for the demo command's output."""
    payouts = demo_payouts()
    if not payouts.exists():
        return []
    rule = RewardRule.objects.filter(batch__name=CONCLUDED_NAME).first()
    rewards = payouts.filter(kind=Kind.REWARD)
    valid = _batch_recognitions().filter(status=Recognition.Status.VALID).count()
    lines = [
        f"Payouts (资金拨付): {payouts.count()} payouts, /payouts/ (dashboard /payouts/dashboard/); reward rule "
        f"of the 2024 batch (budget year {rule.budget_year if rule else '-'}): {rewards.count()} of {valid} "
        f"valid recognitions proposed, {valid - rewards.count()} skipped (components, 宁波, list-guided)"
    ]
    for kind, label in Kind.choices:
        for year in sorted(set(payouts.filter(kind=kind).values_list("year", flat=True))):
            position = budgets.budget_position(year, kind)
            lines.append(
                f"  {year} {label}: budget {position['amount'] or 0:,.2f} 元, approved "
                f"{position['committed']:,.2f} 元, disbursed {position['disbursed']:,.2f} 元, remaining "
                f"{position['remaining'] or 0:,.2f} 元"
            )
    today = _today()
    logins = dict(
        User.objects.filter(memberships__organisation__in=payouts.values("enterprise"))
        .order_by("-pk")
        .values_list("memberships__organisation", "username")
    )
    for p in payouts.select_related("city").order_by("kind", "number"):
        note = ""
        if p.state == S.ALLOCATED:
            late = (today - p.due_on).days
            note = f" due {p.due_on}" + (f", overdue {late} days" if late > 0 else "")
        elif p.state == S.DISBURSED:
            note = f" on {p.disbursed_on}, {p.bank_reference}"
        lines.append(
            f"  {p.number} {p.state:<17} {logins.get(p.enterprise_id, ''):<10} {p.city.name} {p.amount:,.2f} 元{note}"
        )
    return lines
