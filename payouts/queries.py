"""Read side of 资金拨付: payouts and recoveries scoped to the user.

An enterprise sees its own payouts (every state) and its recoveries; a city bureau (industry or finance) those of
its city, a county bureau those of its county; province-level bureaus (industry, finance, the financial regulator)
all of them. Everyone else: none. Budgets and reward rules are province business (province staff read them).
An object outside these answers 404.
"""

from django.db.models import Q

from accounts.models import Membership
from accounts.roles import roles_of

from .models import Payout, Recovery

R = Membership.Role
LOCAL = (R.CITY_STAFF, R.COUNTY_STAFF, R.FINANCE_STAFF)


def _condition(user, prefix=""):
    """The Q over payouts (with `prefix` for related models) this user may see; None for everything."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    roles = roles_of(user)
    if roles.is_province or user.is_superuser:
        return None
    condition = Q(pk__in=[])
    enterprises = [o.pk for o in roles.organisations(R.ENTERPRISE)]
    if enterprises:
        condition |= Q(**{f"{prefix}enterprise_id__in": enterprises})
    for m in roles.memberships:
        org = m.organisation
        if m.role not in LOCAL or org.kind != "bureau":
            continue
        if org.bureau_level == "city":
            condition |= Q(**{f"{prefix}city_id": org.region_id})
        elif org.bureau_level == "county":
            condition |= Q(**{f"{prefix}region_id": org.region_id})
    return condition


def payouts_visible_to(user):
    """Payouts the user may list and open (see the module docstring)."""
    qs = Payout.objects.select_related("enterprise", "recognition", "claim", "city", "region")
    condition = _condition(user)
    return qs if condition is None else qs.filter(condition)


def recoveries_visible_to(user):
    """Recoveries of the payouts the user can see."""
    qs = Recovery.objects.select_related("payout__enterprise", "payout__city", "payout__recognition")
    condition = _condition(user, "payout__")
    return qs if condition is None else qs.filter(condition)
