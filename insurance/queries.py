"""Read side of insurance compensation: policies and claims scoped to the user.

An enterprise sees its own (drafts included); an insurer the policies naming it; a county industry bureau the
submitted claims of its county, a city industry bureau those of its city; province-level bureaus (industry,
finance, the financial regulator) every submitted claim. Staff see a policy through the submitted claims that
carry it. Everyone else: none. An object outside these answers 404.
"""

from django.db.models import Q

from accounts.models import Membership
from accounts.roles import roles_of

from .models import Claim, ClaimDocument, Policy

R = Membership.Role


def _enterprise_ids(roles):
    return [o.pk for o in roles.organisations(R.ENTERPRISE)]


def claims_visible_to(user):
    """Claims the user may list and open (see the module docstring)."""
    qs = Claim.objects.select_related("enterprise", "recognition", "city", "region", "rule_set")
    if not user.is_authenticated:
        return qs.none()
    roles = roles_of(user)
    submitted = Q(submitted_at__isnull=False)
    if roles.is_province or user.is_superuser:
        return qs.filter(submitted)
    condition = Q(pk__in=[])
    enterprises = _enterprise_ids(roles)
    if enterprises:
        condition |= Q(enterprise_id__in=enterprises)
    for m in roles.memberships:
        if m.role == R.CITY_STAFF:
            condition |= submitted & Q(city_id=m.organisation.region_id)
        elif m.role == R.COUNTY_STAFF:
            condition |= submitted & Q(region_id=m.organisation.region_id)
    return qs.filter(condition)


def policies_visible_to(user):
    """Policies the user may list and open: the enterprise's own, an insurer's, and for staff those carried by
    a claim they can see."""
    qs = Policy.objects.select_related("enterprise", "recognition", "insurer", "buyer", "renewal_of")
    if not user.is_authenticated:
        return qs.none()
    roles = roles_of(user)
    condition = Q(pk__in=[])
    enterprises = _enterprise_ids(roles)
    if enterprises:
        condition |= Q(enterprise_id__in=enterprises)
    insurers = [o.pk for o in roles.organisations(R.INSURER)]
    if insurers:
        condition |= Q(insurer_id__in=insurers)
    if user.is_superuser or roles.is_province or roles.has(R.CITY_STAFF, R.COUNTY_STAFF):
        staff_claims = claims_visible_to(user).filter(submitted_at__isnull=False)
        condition |= Q(pk__in=Policy.claims.through.objects.filter(claim__in=staff_claims.values("pk"))
                       .values("policy_id"))
    return qs.filter(condition)


def documents_visible_to(user):
    """Claim documents of the claims the user can see (removed ones included: an audit may need them)."""
    return ClaimDocument.objects.filter(claim__in=claims_visible_to(user).values("pk"))


def is_own_claim(user, claim):
    """The user acts for the claim's enterprise."""
    return any(o.pk == claim.enterprise_id for o in roles_of(user).organisations(R.ENTERPRISE))
