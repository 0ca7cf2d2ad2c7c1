"""奖励规则 of a batch (domain.md §6): the amount per level and the exclusions, set by province industry staff;
reward_decision applies it to one recognition (pure: reads, never writes).

Exclusions, checked in this order (the first that applies is the reason): the recognition is revoked (or
otherwise no longer valid);
components-class items (equipment_form "component") when exclude_components; list-guided items (清单引导、标准认定,
chosen per rule); enterprises in a city with its own policy (宁波 by default). Otherwise the level's amount; an
amount of 0 for a level means no reward at that level.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Region
from accounts.roles import acting_organisation
from audit.services import record, snapshot
from certification.catalogue import EquipmentForm, Level
from certification.models import Batch
from certification.queries import is_id
from config.values import clean_ids, clean_text, collect, refuse
from recognition.models import Recognition

from ..models import Payout, RewardRule
from ..workflow import is_province_industry
from .budgets import clean_money, clean_year

NINGBO = "3302"  # 宁波市 follows its own policy (domain.md §6)
AUDIT_FIELDS = [
    "budget_year",
    "amount_international",
    "amount_domestic",
    "amount_provincial",
    "exclude_components",
    "note",
]
AMOUNT_FIELDS = {
    Level.INTERNATIONAL: "amount_international",
    Level.DOMESTIC: "amount_domestic",
    Level.PROVINCIAL: "amount_provincial",
}


def _state(rule):
    """The audit view of a rule, with its exclusions."""
    return {
        **snapshot(rule, AUDIT_FIELDS),
        "list_guided": sorted(rule.list_guided.values_list("pk", flat=True)),
        "excluded_cities": sorted(rule.excluded_cities.values_list("code", flat=True)),
    }


def _recognition_ids(ids, batch):
    ids = clean_ids(ids, "list_guided_ids")
    found = set(Recognition.objects.filter(pk__in=ids, batch=batch).values_list("pk", flat=True))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        refuse(_("以下认定不属于该批次：%(ids)s") % {"ids": ", ".join(missing)}, "list_guided_ids")
    return ids


def _city_ids(ids):
    ids = clean_ids(ids, "excluded_city_ids")
    found = set(Region.objects.filter(pk__in=ids, level=Region.Level.CITY).values_list("pk", flat=True))
    if len(found) != len(ids):
        refuse(_("只能选择设区市。"), "excluded_city_ids")
    return ids


def save_reward_rule(
    *,
    actor,
    batch_id,
    amount_international,
    amount_domestic,
    amount_provincial,
    exclude_components=True,
    list_guided_ids=(),
    excluded_city_ids=None,
    budget_year=None,
    note="",
):
    """Create or change the reward rule of a batch (province industry staff). budget_year defaults to the batch's
    year + 1 (rewards are paid from the next year's fund); excluded_city_ids None keeps the rule's cities, or on
    creation excludes 宁波; list_guided_ids must be recognitions of the batch. Payouts already proposed keep
    the amount and working they were proposed with.

    Side effects: the RewardRule with its exclusions; an audit event with before/after.
    """
    if not is_province_industry(actor):
        raise PermissionDenied(_("只有省经信厅工作人员可以设置奖励规则。"))
    batch = Batch.objects.filter(pk=batch_id).first() if is_id(batch_id) else None
    if batch is None:
        raise ValidationError({"batch": [_("认定批次不存在。")]})
    errors = {}
    amounts = {
        field: collect(errors, clean_money, value, field, label, allow_zero=True)
        for field, value, label in (
            ("amount_international", amount_international, _("国际首台（套）奖励")),
            ("amount_domestic", amount_domestic, _("国内首台（套）奖励")),
            ("amount_provincial", amount_provincial, _("省内首台（套）奖励")),
        )
    }
    year = batch.year + 1 if budget_year in (None, "") else collect(errors, clean_year, budget_year, "budget_year")
    guided = collect(errors, _recognition_ids, list_guided_ids, batch)
    cities = None if excluded_city_ids is None else collect(errors, _city_ids, excluded_city_ids)
    note = collect(errors, clean_text, note, "note", "", 2000, required=False)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rule = RewardRule.objects.select_for_update().filter(batch=batch).first()
        before = _state(rule) if rule else None
        if rule is None:
            rule = RewardRule(batch=batch)
            if cities is None:
                cities = list(Region.objects.filter(code=NINGBO).values_list("pk", flat=True))
        for field, value in amounts.items():
            setattr(rule, field, value)
        rule.budget_year, rule.exclude_components = year, bool(exclude_components)
        rule.note, rule.updated_by = note, actor
        rule.save()
        rule.list_guided.set(guided)
        if cities is not None:
            rule.excluded_cities.set(cities)
        # Payouts already proposed keep the amount they were proposed with: name those the new amounts differ
        # from, in the audit and to the caller (rule.payouts_kept), rather than change money silently.
        rule.payouts_kept = [
            p.number
            for p in rule.payouts.exclude(state=Payout.State.REJECTED)
            .order_by("number")
            .only("number", "level", "amount")
            if p.amount != rule.amount_for(p.level)
        ]
        org = acting_organisation(actor, Membership.Role.PROVINCE_STAFF)
        after = {**_state(rule), "payouts_kept": rule.payouts_kept} if rule.payouts_kept else _state(rule)
        record(action="payout.rule_saved", actor=actor, organisation=org, obj=rule, before=before, after=after)
    return rule


def _exclusions(rule):
    """The rule's list-guided recognition ids and excluded city ids, read once per rule instance."""
    cached = getattr(rule, "_exclusions", None)
    if cached is None:
        cached = rule._exclusions = (
            set(rule.list_guided.values_list("pk", flat=True)),
            {r.pk: r.name for r in rule.excluded_cities.all()},
        )
    return cached


def reward_decision(rule, recognition):
    """(amount or None, reason or "", working dict) of the rule for the recognition. The working names the rule,
    the level and the exclusion or amount that applied (JSON-ready)."""
    guided, cities = _exclusions(rule)
    working = {
        "source": "reward",
        "rule": rule.pk,
        "batch": str(rule.batch),
        "budget_year": rule.budget_year,
        "recognition": recognition.pk,
        "certificate_number": recognition.certificate_number,
        "level": recognition.level,
        "level_label": str(Level(recognition.level).label),
    }
    reason = ""
    if recognition.status == Recognition.Status.REVOKED:
        reason = _("认定已撤销（%(doc)s）") % {"doc": recognition.revocation_document}
    elif recognition.status != Recognition.Status.VALID:
        reason = _("认定状态为“%(status)s”") % {"status": recognition.get_status_display()}
    elif recognition.valid_until < timezone.localdate():
        # Past its last valid day but not yet marked by the nightly expiry task.
        reason = _("认定已过有效期（至 %(d)s）") % {"d": recognition.valid_until.isoformat()}
    elif rule.exclude_components and recognition.equipment_form == EquipmentForm.COMPONENT:
        reason = _("零部件类产品不予奖励")
    elif recognition.pk in guided:
        reason = _("清单引导、标准认定的产品不予奖励")
    elif recognition.city_id in cities:
        reason = _("%(city)s执行本地政策，省级不予奖励") % {"city": cities[recognition.city_id]}
    amount = None if reason else rule.amount_for(recognition.level)
    if not reason and not amount:
        reason = _("本批次%(level)s奖励金额为 0") % {"level": working["level_label"]}
        amount = None
    if reason:
        working.update(applied="excluded", reason=reason)
        return None, reason, working
    working.update(
        applied=AMOUNT_FIELDS[recognition.level],
        amount=f"{amount:.2f}",
        text=_("按%(batch)s奖励规则，%(level)s奖励 %(amount)s 元，从 %(year)s 年度省级资金中列支。")
        % {"batch": rule.batch, "level": working["level_label"], "amount": f"{amount:,.2f}", "year": rule.budget_year},
    )
    return amount, "", working
