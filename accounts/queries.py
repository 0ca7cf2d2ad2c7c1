"""Read-side querysets scoped to the user."""

from django.db.models import Q

from .models import Membership, Organisation, Region, User
from .roles import roles_of


def organisations_visible_to(user):
    """Province staff see every organisation; a city or county bureau those in its region; others their own."""
    qs = Organisation.objects.select_related("region__parent")
    if not user.is_authenticated:
        return qs.none()
    roles = roles_of(user)
    if roles.is_province or user.is_superuser:
        return qs
    own = [o.pk for o in roles.organisations()]
    region_ids = roles.region_ids_in_scope()
    return qs.filter(Q(pk__in=own) | Q(region_id__in=region_ids))


def registrations_to_review(user):
    """Enterprise registrations awaiting this user's approval."""
    qs = organisations_visible_to(user).filter(kind=Organisation.Kind.ENTERPRISE, status=Organisation.Status.PENDING)
    roles = roles_of(user)
    if roles.is_province or user.is_superuser:
        return qs
    city_ids = [r.pk for r in roles.bureau_regions if r.level == Region.Level.CITY]
    # County bureaus see registrations in their county but approval belongs to the city or province.
    return qs.filter(Q(region_id__in=city_ids) | Q(region__parent_id__in=city_ids))


def regions_for_select():
    """Counties grouped by city, for forms."""
    return Region.objects.filter(level=Region.Level.COUNTY).select_related("parent").order_by(
        "parent__sort_order", "sort_order"
    )


def enterprise_users(enterprise_id):
    """Active users acting for the enterprise (the recipients of its notifications)."""
    return list(
        User.objects.filter(
            memberships__organisation_id=enterprise_id, memberships__role=Membership.Role.ENTERPRISE, is_active=True
        ).distinct()
    )
