"""Who sees which claims and policies, and who may take which action in which state: the scope matrix
(enterprise, local bureaus, each province department, insurer, outsiders) and the workflow table by role."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from insurance.models import Claim
from insurance.queries import claims_visible_to, policies_visible_to
from insurance.services import claims as svc
from insurance.workflow import ACTIONS, available_actions
from tests import factories as f
from tests.insurance import builders as b
from tests.insurance import claim_steps as steps

SIGNOFFS = {d: {f"{d}_approve", f"{d}_return", f"{d}_reject"} for d in ("industry", "finance", "regulator")}
LOCAL = {"local_pass", "local_return", "local_reject"}


@pytest.fixture
def people(world):
    """Everyone of the matrix, by name."""
    insurer = b.insurer()
    xiaoshan = f.member(world.ent_hz_other_county, username="xs")
    return {
        "ent_hz": world.ent_hz_user, "ent_nb": world.ent_nb_user, "ent_xs": xiaoshan,
        "binjiang": world.binjiang_user, "hz": world.hz_user, "nb": world.nb_user,
        "industry": world.province_user, "finance": world.finance_user, "regulator": world.regulator_user,
        "city_finance": f.member(f.bureau("city", "3301", department="finance"), username="hz_fin"),
        "insurer": f.member(insurer, username="ins"), "expert": world.expert_user,
        "_insurer_org": insurer,
    }


@pytest.fixture
def claims(world, people):
    """A draft and a submitted claim of 滨江's enterprise, a submitted one of 萧山's (Hangzhou, no county
    bureau) and one of Ningbo's; the insurer of `people` insures the 滨江 submitted one only."""
    hz_draft = steps.draft(world, documents=False)
    rec, policy = steps.eligible_recognition(world, insurer=people["_insurer_org"])
    hz_sub = svc.create_claim(actor=world.ent_hz_user, recognition_id=rec.pk, policy_ids=[policy.pk], cover_year=1)
    steps.upload_all(world.ent_hz_user, hz_sub)
    hz_sub = svc.submit(actor=world.ent_hz_user, claim_id=hz_sub.pk)
    xs_sub = steps.submitted(world, people["ent_xs"], enterprise=world.ent_hz_other_county)
    nb_sub = steps.submitted(world, world.ent_nb_user, enterprise=world.ent_nb)
    return {"hz_draft": hz_draft, "hz_sub": hz_sub, "xs_sub": xs_sub, "nb_sub": nb_sub}


ALL_SUBMITTED = {"hz_sub", "xs_sub", "nb_sub"}
VISIBLE = {
    "ent_hz": {"hz_draft", "hz_sub"},
    "ent_nb": {"nb_sub"},
    "ent_xs": {"xs_sub"},
    "binjiang": {"hz_sub"},  # its county only, from submission on
    "hz": {"hz_sub", "xs_sub"},  # its city
    "nb": {"nb_sub"},
    "industry": ALL_SUBMITTED,
    "finance": ALL_SUBMITTED,
    "regulator": ALL_SUBMITTED,
    "city_finance": set(),
    "insurer": set(),
    "expert": set(),
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_claims_visible_to(world, people, claims, who):
    names = {claims[k].pk: k for k in claims}
    seen = {names[pk] for pk in claims_visible_to(people[who]).values_list("pk", flat=True)}
    assert seen == VISIBLE[who]


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_policies_visible_to(world, people, claims, who):
    names = {p.pk: k for k, c in claims.items() for p in c.policies.all()}
    seen = {names[pk] for pk in policies_visible_to(people[who]).values_list("pk", flat=True)}
    expected = {"hz_sub"} if who == "insurer" else VISIBLE[who]
    assert seen == expected


def test_anonymous_sees_nothing(claims):
    from django.contrib.auth.models import AnonymousUser

    assert not claims_visible_to(AnonymousUser()).exists()
    assert not policies_visible_to(AnonymousUser()).exists()


def test_another_enterprises_claim_answers_404(world, claims):
    with pytest.raises(Http404):
        svc.submit(actor=world.ent_nb_user, claim_id=claims["hz_draft"].pk)
    with pytest.raises(Http404):
        svc.update_claim(actor=world.ent_nb_user, claim_id=claims["hz_draft"].pk, cover_year=2)


def test_staff_do_not_see_a_draft(world, claims):
    with pytest.raises(Http404):
        svc.local_review(actor=world.binjiang_user, claim_id=claims["hz_draft"].pk, action="local_pass")


# --- the workflow table by role ------------------------------------------------------------------------------


def _actions(claim, user):
    return {a.code for a in available_actions(Claim.objects.get(pk=claim.pk), user)}


def test_actions_in_draft_and_local_review(world, people, claims):
    expected_draft = {"ent_hz": {"submit"}}
    expected_local = {"binjiang": LOCAL, "hz": set()}  # 滨江 has a county bureau: the city does not review
    expected_xs = {"hz": LOCAL}
    for who, user in people.items():
        if who.startswith("_"):
            continue
        assert _actions(claims["hz_draft"], user) == expected_draft.get(who, set()), who
        assert _actions(claims["hz_sub"], user) == expected_local.get(who, set()), who
        assert _actions(claims["xs_sub"], user) == expected_xs.get(who, set()), who
        assert _actions(claims["nb_sub"], user) == ({"local_pass", "local_return", "local_reject"}
                                                    if who == "nb" else set()), who


def test_actions_in_joint_review_per_department(world, people, claims):
    claim = svc.local_review(actor=world.binjiang_user, claim_id=claims["hz_sub"].pk, action="local_pass")
    for who, user in people.items():
        if who.startswith("_"):
            continue
        assert _actions(claim, user) == SIGNOFFS.get(who, set()), who
    steps.approve(world, claim, "finance")
    assert _actions(claim, world.finance_user) == set()
    assert _actions(claim, world.province_user) == SIGNOFFS["industry"]


def test_actions_when_approved_and_returned(world, people):
    claim = steps.approved(world)
    for who, user in people.items():
        if who.startswith("_"):
            continue
        assert _actions(claim, user) == ({"make_payable"} if who == "industry" else set()), who
    returned = steps.in_joint_review(world)
    returned = svc.sign_off(actor=world.regulator_user, claim_id=returned.pk, action="regulator_return",
                            opinion="补充材料")
    for who, user in people.items():
        if who.startswith("_"):
            continue
        assert _actions(returned, user) == ({"submit"} if who == "ent_hz" else set()), who


@pytest.mark.parametrize("who, action", [
    ("finance", "industry_approve"), ("industry", "finance_approve"), ("regulator", "finance_reject"),
    ("finance", "regulator_return"), ("binjiang", "industry_approve"), ("ent_hz", "industry_approve"),
    ("hz", "finance_approve"),
])
def test_a_department_cannot_sign_for_another(world, people, who, action):
    claim = steps.in_joint_review(world)
    with pytest.raises((PermissionDenied, Http404)):
        svc.sign_off(actor=people[who], claim_id=claim.pk, action=action, opinion="意见")
    assert not claim.signoffs.exists()
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.JOINT_REVIEW


def test_city_finance_staff_cannot_sign_off(world, people):
    claim = steps.in_joint_review(world)
    with pytest.raises(Http404):
        svc.sign_off(actor=people["city_finance"], claim_id=claim.pk, action="finance_approve")


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_no_action_from_a_state_outside_its_sources(world, action):
    """Every action, attempted by the role that owns it, on a claim in a state it does not leave from."""
    claim = steps.draft(world)
    wrong = {"submit": steps.in_joint_review}.get(action)
    if wrong:
        claim = wrong(world)
    user = {
        "enterprise": world.ent_hz_user, "local_bureau": world.binjiang_user, "province_industry": world.province_user,
        "province_finance": world.finance_user, "province_regulator": world.regulator_user,
    }[ACTIONS[action].role]
    assert action not in {a.code for a in available_actions(claim, user)}
    if action == "submit":
        call = lambda: svc.submit(actor=user, claim_id=claim.pk)  # noqa: E731
    elif action.startswith("local_"):
        call = lambda: svc.local_review(actor=user, claim_id=claim.pk, action=action, reason="r")  # noqa: E731
    elif action == "make_payable":
        claim = steps.in_joint_review(world)
        call = lambda: svc.make_payable(actor=user, claim_id=claim.pk)  # noqa: E731
    else:
        call = lambda: svc.sign_off(actor=user, claim_id=claim.pk, action=action, opinion="r")  # noqa: E731
    state = Claim.objects.get(pk=claim.pk).state
    with pytest.raises((PermissionDenied, Http404)):
        call()
    assert Claim.objects.get(pk=claim.pk).state == state
