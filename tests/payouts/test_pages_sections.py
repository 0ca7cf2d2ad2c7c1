"""The payout sections of the recognition page and the claim page, and the 资金拨付 menu entries per role."""

import pytest
from django.urls import reverse

from accounts.navigation import menu_for
from tests.insurance import builders as insurance_builders
from tests.payouts import builders as b

pytestmark = pytest.mark.django_db


def test_recognition_page_shows_its_payouts(client, world):
    recognition = b.recognition(world)
    reward = b.reward_payout(recognition, state="allocated")
    client.force_login(world.province_user)
    html = client.get(reverse("recognition_detail", args=[recognition.pk])).content.decode()
    assert 'data-testid="recognition-payouts"' in html and reward.number in html
    assert reverse("payout_detail", args=[reward.pk]) in html and 'data-state="allocated"' in html


def test_recognition_page_without_payout(client, world):
    recognition = b.recognition(world)
    client.force_login(world.hz_user)
    html = client.get(reverse("recognition_detail", args=[recognition.pk])).content.decode()
    assert 'data-testid="recognition-payouts"' in html and "暂无可查看的拨付" in html


def test_claim_page_shows_its_payout(client, world):
    payout = b.compensation_payout(world, state="disbursed")
    for user in (world.ent_hz_user, world.binjiang_user, world.finance_user):
        client.force_login(user)
        html = client.get(reverse("claim_detail", args=[payout.claim_id])).content.decode()
        assert 'data-testid="claim-payout"' in html and payout.number in html
        assert 'data-state="disbursed"' in html and payout.disbursed_on.strftime("%Y-%m-%d") in html


def test_claim_page_before_payable_has_no_section(client, world):
    from tests.insurance import claim_steps

    claim = claim_steps.submitted(world)
    client.force_login(world.ent_hz_user)
    html = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert 'data-testid="claim-payout"' not in html


# --- the menu ----------------------------------------------------------------------------------------------------


def _links(user):
    out = {}
    for item in menu_for(user):
        for link in item.get("children", [item]):
            out[str(link["label"])] = link["url"]
    return out


def test_province_industry_menu(world):
    links = _links(world.province_user)
    assert links["拨付管理"] == reverse("payout_list") and links["奖励规则"] == reverse("reward_rule_list")
    assert links["年度预算"] == reverse("budget_list") and links["资金追回"] == reverse("recovery_list")
    assert links["拨付统计"] == reverse("payout_dashboard")


def test_province_finance_menu(world):
    links = _links(world.finance_user)
    assert links["拨付管理"] == reverse("payout_list") and links["年度预算"] == reverse("budget_list")
    assert "奖励规则" not in links and links["拨付统计"] == reverse("payout_dashboard")


@pytest.mark.parametrize("user", ["regulator_user", "hz_user", "binjiang_user"])
def test_bureau_menu(world, user):
    links = _links(getattr(world, user))
    assert links["拨付管理"] == reverse("payout_list") and links["资金追回"] == reverse("recovery_list")
    assert "奖励规则" not in links and "年度预算" not in links


def test_enterprise_menu(world):
    links = _links(world.ent_hz_user)
    assert links["我的拨付"] == reverse("payout_list")
    assert not {"拨付管理", "奖励规则", "年度预算", "拨付统计", "资金追回"} & set(links)  # nothing to recover


def test_enterprise_menu_links_its_recoveries_when_it_has_any(world):
    from recognition.services.recognitions import revoke
    from tests.payouts import builders as b

    payout = b.reward_payout(b.recognition(world), state="disbursed")
    revoke(actor=world.province_user, recognition_id=payout.recognition_id, reason="提供虚假材料",
           document_number="浙经信装备〔2026〕99号")
    assert _links(world.ent_hz_user)["资金追回"] == reverse("recovery_list")
    assert "资金追回" not in _links(world.ent_nb_user)


def test_no_payout_menu_for_expert_or_insurer(world):
    from tests import factories as f

    for user in (world.expert_user, f.member(insurance_builders.insurer())):
        assert reverse("payout_list") not in _links(user).values()


def test_menu_renders_on_the_payout_list(client, world):
    client.force_login(world.finance_user)
    html = client.get(reverse("payout_list")).content.decode()
    assert reverse("budget_list") in html and reverse("payout_dashboard") in html
