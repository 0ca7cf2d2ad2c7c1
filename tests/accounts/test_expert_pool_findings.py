"""Defects found in the review of the expert pool: each test failed before its fix."""

import pytest
from django.core.exceptions import ValidationError

from accounts import experts
from accounts.models import User
from tests.accounts.expert_pool_helpers import expert_values

pytestmark = pytest.mark.django_db

# Valid for Django's validator (at most 320 characters), too long for User.email (254): PostgreSQL refuses the
# insert with a DataError, a 500 on every path (page, API, Excel import).
LONG_EMAIL = "a" * 250 + "@example.cn"


def test_create_expert_refuses_an_email_longer_than_the_column(world):
    with pytest.raises(ValidationError) as e:
        experts.create_expert(actor=world.province_user, **expert_values(world, email=LONG_EMAIL))
    assert "email" in e.value.message_dict
    assert not User.objects.filter(username="li_expert").exists()


def test_update_expert_refuses_an_email_longer_than_the_column(world):
    profile = experts.create_expert(actor=world.province_user, **expert_values(world))
    with pytest.raises(ValidationError) as e:
        experts.update_expert(actor=world.province_user, profile=profile, email=LONG_EMAIL)
    assert "email" in e.value.message_dict


def test_new_employer_that_is_the_applicant_withdraws_the_experts_assignments(world):
    from review.models import Assignment
    from tests.review.builders import started_round

    rr, apps, people = started_round(world, apps=1, per_application=3, pool=3)
    expert = people[0]
    a = Assignment.objects.get(application=apps[0], expert=expert)
    experts.update_expert(actor=world.province_user, profile=expert.expert_profile, employer=world.ent_hz)
    a.refresh_from_db()
    assert a.state == Assignment.State.REMOVED
