"""Every (state, action, role): the services allow exactly what the declared table (workflow.ACTIONS) allows,
and available_actions() offers exactly those actions. Refusals change nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from certification import workflow
from certification.models import Application, State
from certification.rules import available_actions
from tests import factories as f
from tests.certification.helpers import wf_batch, wf_in_state, wf_take

# role key → (world attribute or builder, the workflow role it acts in for the application when it is "own")
ROLES = {
    "enterprise_own": workflow.ENTERPRISE,
    "enterprise_other": None,
    "county_own": workflow.COUNTY,
    "county_other": None,
    "city_own": workflow.CITY,
    "city_other": None,
    "province": workflow.PROVINCE,
    "finance": None,
    "expert": None,
}


def _user(world, role):
    if role == "county_other":  # a county bureau of another county of the same city (余杭)
        return f.member(f.bureau("county", "330108", name="杭州市余杭区经济和信息化局"), username="yh")
    return getattr(world, {
        "enterprise_own": "ent_hz_user", "enterprise_other": "ent_nb_user", "county_own": "binjiang_user",
        "city_own": "hz_user", "city_other": "nb_user", "province": "province_user", "finance": "finance_user",
        "expert": "expert_user",
    }[role])


def _expected(state, action, role):
    return state in action.sources and ROLES[role] == action.role


class _Rollback(Exception):
    pass


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("state", State.values)
def test_services_allow_exactly_the_declared_table(world, state, role):
    batch = wf_batch(world.province_user)
    app = wf_in_state(world, batch, state)
    user = _user(world, role)

    expected = {code for code, action in workflow.ACTIONS.items() if _expected(state, action, role)}
    offered = {a.code for a in available_actions(Application.objects.get(pk=app.pk), user)}
    assert offered == expected

    for code in workflow.ACTIONS:
        try:
            with transaction.atomic():
                result = wf_take(user, app.pk, code)
                # Allowed: the transition happened; undo it so the next action starts from the same state.
                assert result.state != state, code
                raise _Rollback
        except _Rollback:
            assert code in expected, f"{code} by {role} in {state} was allowed"
        except (PermissionDenied, Http404) as exc:
            assert code not in expected, f"{code} by {role} in {state} was refused: {exc!r}"
        except ValidationError as exc:  # a guard (deadline, quota, completeness) must not decide this matrix
            pytest.fail(f"{code} by {role} in {state}: unexpected validation error {exc!r}")
        assert Application.objects.get(pk=app.pk).state == state
