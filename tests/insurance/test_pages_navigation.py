"""The menu entries of insurance compensation per role."""

import pytest
from django.urls import reverse

from accounts.navigation import menu_for
from tests import factories as f
from tests.insurance import builders as b

pytestmark = pytest.mark.django_db


def _links(user):
    out = {}
    for item in menu_for(user):
        for link in item.get("children", [item]):
            out[str(link["label"])] = link["url"]
    return out


def test_province_staff_rules_and_claims(world):
    links = _links(world.province_user)
    assert links["补偿规则"] == reverse("rule_set_list") and links["补偿申请"] == reverse("claim_list")


def test_enterprise_claims_and_policies(world):
    links = _links(world.ent_hz_user)
    assert links["补偿申请"] == reverse("claim_list") and links["保单"] == reverse("policy_list")
    assert "补偿规则" not in links


@pytest.mark.parametrize("user", ["hz_user", "binjiang_user", "finance_user", "regulator_user"])
def test_local_and_department_staff_claims(world, user):
    links = _links(getattr(world, user))
    assert links["保险补偿"] == reverse("claim_list") and "补偿规则" not in links


def test_insurer_policies(world):
    links = _links(f.member(b.insurer()))
    assert links["保单"] == reverse("policy_list") and reverse("claim_list") not in links.values()


def test_menu_renders_on_the_claim_list(client, world):
    client.force_login(world.province_user)
    html = client.get(reverse("claim_list")).content.decode()
    assert reverse("rule_set_list") in html
