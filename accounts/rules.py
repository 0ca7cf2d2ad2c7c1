"""Permission predicates for accounts (django-rules)."""

import rules

from .models import Membership, Organisation
from .roles import roles_of

R = Membership.Role


@rules.predicate
def is_province_staff(user):
    return roles_of(user).has(R.PROVINCE_STAFF)


@rules.predicate
def is_bureau_staff(user):
    return roles_of(user).has(R.PROVINCE_STAFF, R.CITY_STAFF, R.COUNTY_STAFF, R.FINANCE_STAFF, R.REGULATOR_STAFF)


@rules.predicate
def is_city_staff(user):
    return roles_of(user).has(R.CITY_STAFF)


@rules.predicate
def is_enterprise_user(user):
    return roles_of(user).has(R.ENTERPRISE)


@rules.predicate
def is_expert(user):
    return roles_of(user).expert_profile is not None


@rules.predicate
def is_member_of(user, org):
    return org is not None and any(o.pk == org.pk for o in roles_of(user).organisations())


@rules.predicate
def org_in_city_of_user(user, org):
    """The organisation lies in a city whose industry bureau the user belongs to."""
    if org is None:
        return False
    city = org.region.city
    return any(
        m.role == R.CITY_STAFF and city is not None and m.organisation.region_id == city.pk
        for m in roles_of(user).memberships
    )


@rules.predicate
def org_pending_review(user, org):
    return org is not None and org.status == Organisation.Status.PENDING


@rules.predicate
def org_is_enterprise(user, org):
    return org is not None and org.kind == Organisation.Kind.ENTERPRISE


@rules.predicate
def may_apply(user, org):
    """An enterprise may apply only once a bureau has approved its registration."""
    return org is not None and org.kind == Organisation.Kind.ENTERPRISE and org.status == Organisation.Status.APPROVED


# Province or the city industry bureau of the enterprise approves a registration.
can_review_registration = org_is_enterprise & (is_province_staff | org_in_city_of_user)

rules.add_perm("accounts.review_registration", can_review_registration & org_pending_review)
rules.add_perm("accounts.create_organisation", is_province_staff)
rules.add_perm("accounts.apply_for", is_member_of & may_apply)
