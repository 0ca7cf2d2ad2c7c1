"""Read-side querysets for the recognition workflow, scoped to the user."""

from django.db.models import Q

from accounts.models import Membership
from accounts.roles import roles_of

from .models import Application, Batch

R = Membership.Role


def batches_visible_to(user):
    """Published batches for everyone signed in; drafts only for province industry staff."""
    qs = Batch.objects.all()
    if roles_of(user).has(R.PROVINCE_STAFF) or user.is_superuser:
        return qs
    return qs.exclude(state=Batch.State.DRAFT)


def applications_visible_to(user):
    """An enterprise sees its own (drafts included); a county bureau the submitted applications of its county,
    a city bureau those of its city, province-level bureaus all submitted ones. Everyone else: none."""
    qs = Application.objects.select_related("batch", "enterprise", "region", "city")
    if not user.is_authenticated:
        return qs.none()
    roles = roles_of(user)
    submitted = Q(submitted_at__isnull=False)
    if roles.is_province or user.is_superuser:
        return qs.filter(submitted)
    condition = Q(pk__in=[])
    enterprises = [o.pk for o in roles.organisations(R.ENTERPRISE)]
    if enterprises:
        condition |= Q(enterprise_id__in=enterprises)
    for m in roles.memberships:
        if m.role == R.CITY_STAFF:
            condition |= submitted & Q(city_id=m.organisation.region_id)
        elif m.role == R.COUNTY_STAFF:
            condition |= submitted & Q(region_id=m.organisation.region_id)
    return qs.filter(condition)


def quota_used(batch, city):
    """City recommendations that stand (the application was not withdrawn afterwards)."""
    return (
        Application.objects.filter(batch=batch, city=city, city_recommended_at__isnull=False)
        .exclude(state="withdrawn")
        .count()
    )
