"""HTML views keep the same scope as the API: out of scope is 404, in scope without the right is 403.

Only status codes, redirects and what must not leak are asserted; the pages' content belongs to the templates.
"""

import pytest

from accounts import services
from accounts.models import Organisation, User
from tests import factories as f


def _status(org):
    return Organisation.objects.get(pk=org.pk).status


@pytest.fixture
def pending(world):
    org = f.OrganisationFactory(name="滨江待审核装备有限公司", status="pending", region=f.region("330106"))
    f.member(org, username="pending_ent")
    return org


@pytest.mark.django_db
def test_org_detail_page_out_of_scope_is_404_without_leaking_name(pending, world, client):
    client.force_login(world.nb_user)

    response = client.get(f"/organisations/{pending.pk}/")

    assert response.status_code == 404
    assert pending.name not in response.content.decode()


@pytest.mark.django_db
def test_org_detail_page_post_by_county_staff_is_403_and_changes_nothing(pending, world, client):
    client.force_login(world.binjiang_user)

    page = client.get(f"/organisations/{pending.pk}/")
    response = client.post(f"/organisations/{pending.pk}/", {"decision": "approve", "reason": ""})

    assert page.status_code == 200
    assert response.status_code == 403
    assert _status(pending) == "pending"


@pytest.mark.django_db
def test_org_detail_page_post_by_city_staff_approves_and_redirects(pending, world, client):
    client.force_login(world.hz_user)

    response = client.post(f"/organisations/{pending.pk}/", {"decision": "approve", "reason": ""})

    assert response.status_code == 302
    assert response["Location"] == "/organisations/review/"
    assert _status(pending) == "approved"


@pytest.mark.django_db
def test_org_detail_page_reject_without_reason_stays_pending(pending, world, client):
    client.force_login(world.hz_user)

    response = client.post(f"/organisations/{pending.pk}/", {"decision": "reject", "reason": ""})

    assert response.status_code == 200  # the form again, with the error
    assert _status(pending) == "pending"


@pytest.mark.parametrize("who", ["ent_hz_user", "expert_user"])
@pytest.mark.django_db
def test_org_list_pages_are_for_bureau_staff_only(world, client, who):
    client.force_login(getattr(world, who))

    listing = client.get("/organisations/")
    review = client.get("/organisations/review/")

    assert listing.status_code == 403
    assert review.status_code == 403
    assert world.ent_nb.name not in listing.content.decode()


@pytest.mark.django_db
def test_pages_need_login(world, client):
    for url in ["/dashboard/", "/organisations/", f"/organisations/{world.ent_hz.pk}/", "/inbox/"]:
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url


@pytest.mark.django_db
def test_verify_email_page_with_valid_token_submits_for_review(world, client):
    org = services.register_enterprise(
        uscc=f.make_uscc(region_code="330106"),
        name="页面验证科技有限公司",
        region=f.region("330106"),
        contact_name="赵六",
        contact_phone="13900000000",
        email="page@example.cn",
        username="pageuser",
        password="Qiye-Zhuce-2026!",
    )
    token = services.email_verification_token(User.objects.get(username="pageuser"))

    response = client.get(f"/verify-email/{token}/")

    assert response.status_code == 200
    assert _status(org) == "pending"


@pytest.mark.django_db
def test_verify_email_page_with_bad_token_answers_400(world, client):
    response = client.get("/verify-email/not-a-token/")

    assert response.status_code == 400
