"""Property tests of the automatic assignment (issue 4's acceptance): review.planner.plan over random pools and
applications, then review.services.assignments.auto_assign on stored rows for a few random worlds.

The pure planner is checked against an independent statement of eligibility written here (field, employer,
declared conflict, past pair); the service against the same rules read back from the database."""

import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review import planner
from review.planner import ApplicationIn, ExpertIn

FIELDS = ["robotics", "medical", "ships", "vehicles"]
ENTERPRISES = list(range(1000, 1008))  # applicant enterprises' organisation ids
OTHER_EMPLOYERS = list(range(2000, 2006))  # universities, institutes: never applicants


@st.composite
def worlds(draw, *, max_experts=24, max_apps=14):
    n_experts = draw(st.integers(0, max_experts))
    experts = []
    for i in range(n_experts):
        employer = draw(st.sampled_from(ENTERPRISES + OTHER_EMPLOYERS))  # some employed by an applicant
        fields = draw(st.frozensets(st.sampled_from(FIELDS), min_size=1, max_size=3))
        experts.append(ExpertIn(id=100 + i * 7, employer_id=employer, fields=fields))
    n_apps = draw(st.integers(1, max_apps))
    app_ids = draw(st.lists(st.integers(1, 10_000), min_size=n_apps, max_size=n_apps, unique=True))
    per_application = draw(st.integers(3, 9))
    expert_ids = [e.id for e in experts]
    # Pairs already on the round (any state): some of them active (they count in `active` and in the load).
    past, load = set(), Counter()
    applications = []
    for app_id in app_ids:
        enterprise = draw(st.sampled_from(ENTERPRISES))
        field = draw(st.sampled_from(FIELDS))
        earlier = draw(st.lists(st.sampled_from(expert_ids), unique=True, max_size=min(4, per_application))) \
            if expert_ids else []
        active = 0
        for eid in earlier:
            past.add((app_id, eid))
            if draw(st.booleans()):  # still pending/accepted, otherwise recused or removed
                active += 1
                load[eid] += 1
        applications.append(ApplicationIn(id=app_id, enterprise_id=enterprise, field=field, active=active))
    conflicts = frozenset(
        draw(st.lists(st.tuples(st.sampled_from(expert_ids), st.sampled_from(ENTERPRISES)), max_size=12))
    ) if expert_ids else frozenset()
    return dict(applications=applications, experts=experts, per_application=per_application,
                conflicts=conflicts, past=frozenset(past), load=dict(load))


def eligible(expert, app, conflicts, past):
    return (
        app.field in expert.fields
        and expert.employer_id != app.enterprise_id
        and (expert.id, app.enterprise_id) not in conflicts
        and (app.id, expert.id) not in past
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_plan_respects_conflicts_fills_or_reports_shortage(w):
    result = planner.plan(**w)
    experts = {e.id: e for e in w["experts"]}
    apps = {a.id: a for a in w["applications"]}

    # No pair with the employer, a declared conflict or an earlier pair; no expert twice on an application.
    assert len(result.pairs) == len(set(result.pairs))
    for app_id, expert_id in result.pairs:
        e, a = experts[expert_id], apps[app_id]
        assert a.field in e.fields
        assert e.employer_id != a.enterprise_id, "expert employed by the applicant"
        assert (e.id, a.enterprise_id) not in w["conflicts"], "declared conflict"
        assert (a.id, e.id) not in w["past"], "expert re-added to an application they were on"

    got = Counter(a for a, _e in result.pairs)
    shortages = {s.application_id: s for s in result.shortages}
    assert len(shortages) == len(result.shortages)
    for a in w["applications"]:
        needed = w["per_application"] - a.active
        n_eligible = sum(eligible(e, a, w["conflicts"], w["past"]) for e in w["experts"])
        if needed <= 0:
            assert got[a.id] == 0 and a.id not in shortages
        elif n_eligible >= needed:
            assert got[a.id] == needed, (a, n_eligible)
            assert a.id not in shortages
        else:
            # Everyone eligible is taken, and the report says exactly how far short it falls.
            assert got[a.id] == n_eligible
            s = shortages[a.id]
            assert (s.needed, s.assigned, s.available) == (needed, n_eligible, n_eligible)
            assert s.in_field == sum(a.field in e.fields for e in w["experts"])
    # Pairs come in application order.
    assert [a for a, _e in result.pairs] == sorted(a for a, _e in result.pairs)


@settings(max_examples=150, deadline=None)
@given(worlds(), st.randoms(use_true_random=False))
def test_plan_is_reproducible_whatever_the_input_order(w, rnd):
    first = planner.plan(**w)
    again = planner.plan(**w)
    assert (first.pairs, first.shortages) == (again.pairs, again.shortages)
    # The database returns rows in no particular order: the plan must not depend on it.
    shuffled = dict(w, applications=list(w["applications"]), experts=list(w["experts"]))
    rnd.shuffle(shuffled["applications"])
    rnd.shuffle(shuffled["experts"])
    other = planner.plan(**shuffled)
    assert (other.pairs, other.shortages) == (first.pairs, first.shortages)


@settings(max_examples=200, deadline=None)
@given(
    n_experts=st.integers(9, 40),
    n_apps=st.integers(1, 60),
    per_application=st.integers(3, 9),
    active=st.lists(st.integers(0, 2), min_size=60, max_size=60),
)
def test_loads_balanced_when_everyone_is_eligible(n_experts, n_apps, per_application, active):
    """One field, no expert employed by an applicant, no conflicts, nothing earlier: loads differ by ≤ 1."""
    experts = [ExpertIn(id=10 + i, employer_id=5000 + i, fields=frozenset({"ships"})) for i in range(n_experts)]
    apps = [ApplicationIn(id=i + 1, enterprise_id=1000 + i % 5, field="ships", active=active[i])
            for i in range(n_apps)]
    result = planner.plan(applications=apps, experts=experts, per_application=per_application)
    assert not result.shortages
    load = Counter(e for _a, e in result.pairs)
    loads = [load[e.id] for e in experts]
    assert max(loads) - min(loads) <= 1, loads
    assert sum(loads) == sum(per_application - a.active for a in apps)


def test_load_from_earlier_runs_is_taken_into_account():
    """Experts already carrying work in the round are chosen last."""
    experts = [ExpertIn(id=i, employer_id=900 + i, fields=frozenset({"medical"})) for i in range(1, 7)]
    app = ApplicationIn(id=1, enterprise_id=1, field="medical")
    result = planner.plan(applications=[app], experts=experts, per_application=3, load={1: 2, 2: 2, 3: 1})
    assert sorted(e for _a, e in result.pairs) == [4, 5, 6]


def test_shortage_numbers_by_hand():
    """5 experts in the field: one employed by the applicant, one with a declared conflict, one recused earlier;
    one already active on it. 5 needed − 1 active = 4 still needed, 1 available (expert 5)."""
    experts = [ExpertIn(id=i, employer_id=900 + i, fields=frozenset({"medical"})) for i in range(1, 6)]
    experts[0] = ExpertIn(id=1, employer_id=77, fields=frozenset({"medical"}))  # works for the applicant
    experts.append(ExpertIn(id=6, employer_id=906, fields=frozenset({"ships"})))  # other field
    app = ApplicationIn(id=10, enterprise_id=77, field="medical", active=1)
    result = planner.plan(applications=[app], experts=experts, per_application=5,
                          conflicts=frozenset({(2, 77)}), past=frozenset({(10, 3), (10, 4)}), load={4: 1})
    assert result.pairs == [(10, 5)]
    [s] = result.shortages
    assert (s.application_id, s.needed, s.assigned, s.in_field, s.available) == (10, 4, 1, 5, 1)


# --- the same invariants on stored rows, through the service --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 7, 42, 2026])
def test_auto_assign_on_stored_rows(world, seed):
    from audit.models import AuditEvent
    from review.models import Assignment, ExpertConflict, ScoreSheet
    from review.services import assignments
    from tests import factories as f

    from .builders import closed_batch, experts, passed_application, review_round

    rng = random.Random(seed)
    fields = ["robotics", "medical"]
    batch = closed_batch(world.province_user)
    applicants = [world.ent_hz, world.ent_nb, f.OrganisationFactory(name=f"随机申报企业{seed}")]
    apps = [passed_application(batch, rng.choice(applicants), field=rng.choice(fields)) for _ in range(rng.randint(3, 6))]
    pool = [world.expert_user]  # the world's expert: medical, employed by ent_nb
    for _ in range(rng.randint(5, 11)):
        employer = rng.choice(applicants) if rng.random() < 0.3 else None
        pool += experts(1, fields=tuple(rng.sample(fields, rng.randint(1, 2))), employer=employer)
    declared = set()
    for _ in range(rng.randint(1, 4)):
        e, org = rng.choice(pool), rng.choice(applicants)
        if (e.pk, org.pk) not in declared:
            ExpertConflict.objects.create(expert=e, organisation=org, reason="曾任顾问", created_by=world.province_user)
            declared.add((e.pk, org.pk))
    per_application = rng.randint(3, 5)
    rr = review_round(world.province_user, batch, experts_per_application=per_application)
    # An earlier pair that was removed: never re-added.
    first_app = apps[0]
    removed_expert = next((e for e in pool if e.expert_profile.employer_id != first_app.enterprise_id
                           and (e.pk, first_app.enterprise_id) not in declared
                           and first_app.field in e.expert_profile.fields), None)
    if removed_expert:
        Assignment.objects.create(round=rr, application=first_app, expert=removed_expert, state="removed",
                                  removed_reason="测试", created_by=world.province_user)
    events_before = AuditEvent.objects.filter(action="review.auto_assigned").count()

    out = assignments.auto_assign(actor=world.province_user, review_round=rr)

    employer_of = {e.pk: e.expert_profile.employer_id for e in pool}
    fields_of = {e.pk: set(e.expert_profile.fields) for e in pool}
    active = list(Assignment.objects.filter(round=rr, state__in=Assignment.ACTIVE).select_related("application"))
    pairs = [(a.application_id, a.expert_id) for a in active]
    assert len(pairs) == len(set(pairs))
    for a in active:
        assert employer_of[a.expert_id] != a.application.enterprise_id
        assert (a.expert_id, a.application.enterprise_id) not in declared
        assert a.application.field in fields_of[a.expert_id]
        assert a.method == "auto"
    if removed_expert:
        assert not Assignment.objects.filter(application=first_app, expert=removed_expert,
                                             state__in=Assignment.ACTIVE).exists()
    assert ScoreSheet.objects.filter(assignment__in=[a.pk for a in active]).count() == len(active)
    assert out["created"] == len(active)
    shortages = {s["application"]: s for s in out["shortages"]}
    per_app = Counter(a.application_id for a in active)
    for app in apps:
        ok = [e for e in pool if app.field in fields_of[e.pk] and employer_of[e.pk] != app.enterprise_id
              and (e.pk, app.enterprise_id) not in declared
              and not (removed_expert and app.pk == first_app.pk and e.pk == removed_expert.pk)]
        if len(ok) >= per_application:
            assert per_app[app.pk] == per_application and app.pk not in shortages
        else:
            assert per_app[app.pk] == len(ok)
            s = shortages[app.pk]
            assert (s["needed"], s["assigned"], s["available"]) == (per_application, len(ok), len(ok))
    assert AuditEvent.objects.filter(action="review.auto_assigned").count() == events_before + 1
    # A second run adds nothing: the round is full or its shortages are unchanged.
    again = assignments.auto_assign(actor=world.province_user, review_round=rr)
    assert again["created"] == 0
    assert {s["application"] for s in again["shortages"]} == set(shortages)
