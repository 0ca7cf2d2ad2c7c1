"""The links of 政府首购 into the rest of the site: the recognition's pages show its purchases (the staff page
those the viewer may open, the public verification page the public ones), the menu per role and the buyer's
dashboard block."""

import pytest
from django.urls import reverse

from accounts.navigation import menu_for
from tests.procurement import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(world):
    return b.buyer_user(b.buyer_org())


@pytest.fixture
def rec(world):
    return b.recognition_for(world.ent_hz)


def _links(user):
    out = {}
    for item in menu_for(user):
        for link in item.get("children", [item]):
            out[str(link["label"])] = link["url"]
    return out


# --- the recognition's pages -------------------------------------------------------------------------------------


def test_staff_recognition_page_lists_its_purchases(client, world, buyer, rec):
    draft = b.purchase(buyer, rec, title="草稿项目")
    awarded = b.purchase(buyer, rec, state="awarded", title="成交项目")
    client.force_login(world.province_user)
    html = client.get(reverse("recognition_detail", args=[rec.pk])).content.decode()
    assert 'data-testid="recognition-purchases"' in html
    assert reverse("purchase_detail", args=[awarded.pk]) in html and draft.title not in html


def test_public_verification_page_lists_public_purchases(client, world, buyer, rec):
    draft = b.purchase(buyer, rec, title="草稿项目")
    running = b.purchase(buyer, rec, state="notice", title="公示中项目")
    html = client.get(reverse("verify_certificate", args=[rec.certificate_number])).content.decode()
    assert 'data-testid="recognition-purchases"' in html
    assert reverse("public_purchase_detail", args=[running.pk]) in html and draft.title not in html
    assert reverse("purchase_detail", args=[running.pk]) not in html
    assert 'data-testid="new-purchase"' not in html


def test_buyer_is_offered_a_purchase_from_the_verification_page(client, world, buyer, rec):
    client.force_login(buyer)
    html = client.get(reverse("verify_certificate", args=[rec.certificate_number])).content.decode()
    assert f"{reverse('purchase_new')}?recognition={rec.pk}" in html


def test_no_offer_for_a_revoked_recognition(client, world, buyer):
    revoked = b.recognition_for(world.ent_hz, status="revoked")
    client.force_login(buyer)
    html = client.get(reverse("verify_certificate", args=[revoked.certificate_number])).content.decode()
    assert 'data-testid="new-purchase"' not in html


def test_recognition_page_queries_do_not_grow_with_purchases(client, world, buyer, rec, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.province_user)
    b.purchase(buyer, rec, state="notice")
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("recognition_detail", args=[rec.pk]))
    for _ in range(5):
        b.purchase(buyer, rec, state="notice")
    with django_assert_num_queries(len(ctx)):
        client.get(reverse("recognition_detail", args=[rec.pk]))


# --- the menu ----------------------------------------------------------------------------------------------------


def test_buyer_menu(world, buyer):
    links = _links(buyer)
    assert links["首购项目"] == reverse("purchase_list")
    assert "采购人管理" not in links and "首购统计" not in links


def test_province_industry_staff_menu(world):
    links = _links(world.province_user)
    assert links["首购项目"] == reverse("purchase_list") and "政府首购" not in links  # the group's name
    assert links["采购人管理"] == reverse("buyer_list") and links["首购统计"] == reverse("purchase_statistics")


@pytest.mark.parametrize("user", ["hz_user", "binjiang_user", "ent_hz_user"])
def test_local_staff_and_enterprise_menu(world, user):
    links = _links(getattr(world, user))
    assert links["政府首购"] == reverse("purchase_list") and "采购人管理" not in links
    assert reverse("purchase_statistics") not in links.values()


@pytest.mark.parametrize("user", ["finance_user", "regulator_user"])
def test_province_finance_and_regulator_staff_reach_the_statistics(client, world, user):
    # They may read the province-wide statistics (statistics.can_view_statistics): the menu must lead there.
    links = _links(getattr(world, user))
    assert links["首购项目"] == reverse("purchase_list") and links["首购统计"] == reverse("purchase_statistics")
    assert reverse("buyer_list") not in links.values()
    client.force_login(getattr(world, user))
    assert client.get(links["首购统计"]).status_code == 200


def test_a_buyer_admin_reaches_their_organisation_to_invite_colleagues(client, world):
    org = b.buyer_org()
    admin = b.buyer_user(org, username="buyer_admin", is_admin=True)
    links = _links(admin)
    assert links["首购项目"] == reverse("purchase_list") and links["本单位用户"] == reverse("buyer_list")
    assert "首购统计" not in links
    client.force_login(admin)
    html = client.get(links["本单位用户"]).content.decode()
    assert reverse("buyer_detail", args=[org.pk]) in html


def test_expert_has_no_purchases_entry(world):
    assert reverse("purchase_list") not in _links(world.expert_user).values()


def test_public_menu_has_the_notices(world, buyer):
    assert _links(None)["单一来源公示"] == reverse("public_notice_list")
    assert _links(buyer)["单一来源公示"] == reverse("public_notice_list")


def test_menu_renders_on_the_list(client, world):
    client.force_login(world.province_user)
    html = client.get(reverse("purchase_list")).content.decode()
    assert reverse("buyer_list") in html and reverse("purchase_statistics") in html


# --- the dashboard -----------------------------------------------------------------------------------------------


def test_buyer_dashboard_block(client, world, buyer):
    client.force_login(buyer)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="purchases-block"' in html and reverse("purchase_new") in html


def test_no_buyer_block_for_staff(client, world):
    client.force_login(world.province_user)
    assert 'data-testid="purchases-block"' not in client.get(reverse("dashboard")).content.decode()
