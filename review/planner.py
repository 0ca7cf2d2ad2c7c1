"""Automatic assignment as a pure function of its inputs, so that it is reproducible and property-testable.

Eligibility: the expert is active, has the application's field, is not employed by the applicant, has no
declared conflict with it, and has never been on that application (a recused or removed expert is not
re-added). Among the eligible, the least loaded expert in the round goes first; ties break on a fixed mix of
the two ids, so the same inputs always give the same plan, without always favouring the lowest ids.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExpertIn:
    id: int
    employer_id: int
    fields: frozenset


@dataclass(frozen=True)
class ApplicationIn:
    id: int
    enterprise_id: int
    field: str
    active: int = 0  # experts already on it (pending or accepted)


@dataclass
class Shortage:
    application_id: int
    needed: int  # experts still missing before this run
    assigned: int
    in_field: int
    available: int  # eligible experts not yet on it


@dataclass
class Plan:
    pairs: list = field(default_factory=list)  # (application id, expert id), in application order
    shortages: list = field(default_factory=list)


def _mix(expert_id, application_id):
    return (expert_id * 2654435761 + application_id * 40503) & 0xFFFFFFFF


def plan(*, applications, experts, per_application, conflicts=frozenset(), past=frozenset(), load=None):
    """applications: [ApplicationIn]; experts: [ExpertIn] (active ones); conflicts: {(expert id, organisation
    id)}; past: {(application id, expert id)} of every earlier assignment in any state; load: {expert id:
    active assignments in the round}."""
    load = dict(load or {})
    by_field = {}
    for e in experts:
        for f in e.fields:
            by_field.setdefault(f, []).append(e)
    result = Plan()
    for app in sorted(applications, key=lambda a: a.id):
        needed = per_application - app.active
        if needed <= 0:
            continue
        in_field = by_field.get(app.field, [])
        eligible = [
            e for e in in_field
            if e.employer_id != app.enterprise_id
            and (e.id, app.enterprise_id) not in conflicts
            and (app.id, e.id) not in past
        ]
        eligible.sort(key=lambda e: (load.get(e.id, 0), _mix(e.id, app.id), e.id))
        chosen = eligible[:needed]
        for e in chosen:
            result.pairs.append((app.id, e.id))
            load[e.id] = load.get(e.id, 0) + 1
        if len(chosen) < needed:
            result.shortages.append(Shortage(app.id, needed, len(chosen), len(in_field), len(eligible)))
    return result
