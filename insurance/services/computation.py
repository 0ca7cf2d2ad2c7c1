"""Eligibility and amount of compensation claims: loads the plain inputs of insurance/eligibility.py (the claim's
recognition, its policies and units, the recognition's other policies and claims, the rule set) and stores the
outcome on the claims.

Which rule set: the current version for the recognition's year and batch (services/rules.current_rule_set). An
approved or payable claim keeps the version it was approved with: `recompute` never touches approved, payable or
rejected claims, and `evaluate` of such a claim reads its stored version, so a later change of the rules never
changes them.
"""

import json
from collections import defaultdict
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from recognition.models import Recognition

from .. import eligibility as el
from ..models import Claim, Policy, PolicyUnit, RuleSet

# Final states: their stored computation and rule set version are what was decided.
FROZEN = (Claim.State.APPROVED, Claim.State.PAYABLE, Claim.State.REJECTED)
CHUNK = 1000
MAX_CHAIN = 20  # renewal chains are a few years long; the bound only guards against a cycle in bad data


@dataclass(frozen=True)
class Evaluation:
    """The outcome for one claim: the rule set used (None when the year has none) and the pure result."""

    claim_id: int
    rule_set: RuleSet | None
    result: el.Result | None
    as_of: object

    @property
    def eligible(self):
        return bool(self.result and self.result.eligible)

    @property
    def amount(self):
        return self.result.amount if self.result else None

    @property
    def checks(self):
        return self.result.checks if self.result else ()

    @property
    def working(self):
        """The JSON stored on the claim (Claim.working)."""
        data = {"as_of": self.as_of.isoformat(), "computed_at": timezone.now().isoformat(timespec="seconds")}
        if self.rule_set is None:
            return data | {"eligible": False, "amount": None, "checks": [],
                           "steps": [], "error": _("未找到适用的补偿规则。")}
        rule = {"id": self.rule_set.pk, "year": self.rule_set.year, "version": self.rule_set.version,
                "batch": self.rule_set.batch_id}
        return data | {"rule_set": rule} | self.result.as_json()


class _Inputs:
    """Everything the claims of one chunk need, read in a constant number of queries."""

    def __init__(self, claims):
        recognition_ids = {c.recognition_id for c in claims}
        self.links = defaultdict(set)  # claim id → policy ids
        self.claims_of = defaultdict(dict)  # recognition id → {claim id: (number, cover_year, state)}
        through = Claim.policies.through.objects.filter(
            Q(claim__recognition_id__in=recognition_ids) | Q(claim_id__in=[c.pk for c in claims]))
        for claim_id, policy_id, recognition_id, number, cover_year, state in through.values_list(
                "claim_id", "policy_id", "claim__recognition_id", "claim__number", "claim__cover_year",
                "claim__state"):
            self.links[claim_id].add(policy_id)
            self.claims_of[recognition_id][claim_id] = (number, cover_year, state)
        claimed = {pid for c in claims for pid in self.links[c.pk]}
        self.policies = {p["id"]: p for p in Policy.objects.filter(
            Q(recognition_id__in=recognition_ids) | Q(id__in=claimed)).values(
            "id", "recognition_id", "policy_number", "premium", "equipment_value", "coverage_limit", "starts_on",
            "ends_on", "premium_paid_on", "renewal_of_id", "national_compensation")}
        self.units = defaultdict(list)  # policy id → [Unit]
        for policy_id, serial, contract_date, delivered_on, reward in PolicyUnit.objects.filter(
                policy_id__in=list(self.policies)).values_list(
                "policy_id", "serial_number", "contract_date", "delivered_on", "application_reward"):
            self.units[policy_id].append(el.Unit(serial, contract_date, delivered_on, reward))
        self.policies_of = defaultdict(list)  # recognition id → policy ids
        for p in self.policies.values():
            self.policies_of[p["recognition_id"]].append(p["id"])
        years = {c.recognition.year for c in claims}
        stored = {c.rule_set_id for c in claims if c.rule_set_id and c.state in FROZEN}
        rule_sets = list(RuleSet.objects.filter(Q(current=True, year__in=years) | Q(pk__in=stored)))
        self.rule_set_by_id = {rs.pk: rs for rs in rule_sets}
        self.current = {(rs.year, rs.batch_id): rs for rs in rule_sets if rs.current}

    def rule_set(self, claim):
        if claim.state in FROZEN and claim.rule_set_id in self.rule_set_by_id:
            return self.rule_set_by_id[claim.rule_set_id]
        year, batch_id = claim.recognition.year, claim.recognition.batch_id
        return self.current.get((year, batch_id)) or self.current.get((year, None))

    def policy_facts(self, policy_id):
        p = self.policies[policy_id]
        chain, seen, previous = [], {policy_id}, p["renewal_of_id"]
        while previous is not None and previous in self.policies and previous not in seen and len(chain) < MAX_CHAIN:
            seen.add(previous)
            prev = self.policies[previous]
            chain.append((prev["policy_number"], prev["starts_on"], prev["ends_on"]))
            previous = prev["renewal_of_id"]
        return el.PolicyFacts(
            id=p["id"], number=p["policy_number"], premium=p["premium"], equipment_value=p["equipment_value"],
            coverage_limit=p["coverage_limit"], starts_on=p["starts_on"], ends_on=p["ends_on"],
            premium_paid_on=p["premium_paid_on"], national_compensation=p["national_compensation"],
            units=tuple(self.units[policy_id]), chain=tuple(chain), renewal_of_id=p["renewal_of_id"],
        )

    def evaluate(self, claim):
        as_of = timezone.localdate(claim.submitted_at) if claim.submitted_at else timezone.localdate()
        rule_set = self.rule_set(claim)
        if rule_set is None:
            return Evaluation(claim.pk, None, None, as_of)
        r = claim.recognition
        recognition = el.RecognitionFacts(
            level=r.level, equipment_form=r.equipment_form, valid_from=r.valid_from, valid_until=r.valid_until,
            revoked=r.status == Recognition.Status.REVOKED,
            revoked_on=timezone.localdate(r.revoked_at) if r.revoked_at else None,
        )
        policies = [self.policy_facts(pid) for pid in sorted(self.links[claim.pk], key=self._order)]
        all_units = [u for pid in self.policies_of[r.pk] for u in self.units[pid]]
        earlier = [
            el.EarlierClaim(number, cover_year, frozenset(self.links[other]))
            for other, (number, cover_year, state) in self.claims_of[r.pk].items()
            if other != claim.pk and state != Claim.State.REJECTED
        ]
        result = el.evaluate(rules=el.Rules.of(rule_set), recognition=recognition, cover_year=claim.cover_year,
                             policies=policies, all_units=all_units, earlier_claims=earlier, as_of=as_of)
        return Evaluation(claim.pk, rule_set, result, as_of)

    def _order(self, policy_id):
        p = self.policies[policy_id]
        return p["starts_on"], p["policy_number"]


def evaluate(claim):
    """Every check, the amount and the working of one claim, from the database as it is now (nothing stored).
    An approved, payable or rejected claim is evaluated with its stored rule set version."""
    if not hasattr(claim, "_state") or "recognition" not in claim._state.fields_cache:
        claim = Claim.objects.select_related("recognition").get(pk=claim.pk)
    return _Inputs([claim]).evaluate(claim)


def recompute(claim_ids, *, chunk_size=CHUNK):
    """Store eligible, computed_amount, working and rule_set on the given claims that are not approved, payable
    or rejected (those keep what they were decided with). Returns the number of claims updated.

    Side effects: per chunk, one transaction that locks the chunk's claims and writes them with one bulk update;
    the number of queries per chunk does not depend on its size.
    """
    ids = sorted(set(claim_ids))
    updated = 0
    for start in range(0, len(ids), chunk_size):
        with transaction.atomic():
            claims = list(Claim.objects.select_for_update(of=("self",)).select_related("recognition")
                          .filter(pk__in=ids[start:start + chunk_size]).exclude(state__in=FROZEN).order_by("pk"))
            if not claims:
                continue
            inputs = _Inputs(claims)
            for claim in claims:
                outcome = inputs.evaluate(claim)
                claim.rule_set = outcome.rule_set
                claim.eligible = outcome.eligible
                claim.computed_amount = outcome.amount
                claim.working = outcome.working
            _store(claims)
            updated += len(claims)
    return updated


STORED = ["rule_set", "eligible", "computed_amount", "working"]


def _store(claims):
    """One UPDATE for the chunk. On PostgreSQL from unnested arrays: Django's bulk_update builds a CASE per field
    and row, which costs more than the whole evaluation at 1,000 rows (bench/README.md, insurance)."""
    if connection.vendor != "postgresql":
        Claim.objects.bulk_update(claims, STORED, batch_size=len(claims))
        return
    col = {name: connection.ops.quote_name(Claim._meta.get_field(name).column) for name in STORED}
    sql = (f"UPDATE {connection.ops.quote_name(Claim._meta.db_table)} AS c SET {col['rule_set']} = v.rule_set_id, "
           f"{col['eligible']} = v.eligible, {col['computed_amount']} = v.amount, {col['working']} = v.working "
           "FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, rule_set_id bigint, eligible boolean, amount numeric, "
           "working jsonb) WHERE c.id = v.id")
    # One JSON document, not arrays: psycopg escapes array literals character by character.
    rows = [{"id": c.pk, "rule_set_id": c.rule_set_id, "eligible": c.eligible, "amount": c.computed_amount,
             "working": c.working} for c in claims]
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False)])
