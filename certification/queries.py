"""Read-side querysets for the recognition workflow, scoped to the user."""

import copy
import re

from django.db.models import Q

from accounts.models import Membership
from accounts.roles import roles_of

from .models import DATA_FIELDS, Application, Batch, State

R = Membership.Role


def batches_visible_to(user):
    """Published batches for everyone signed in; drafts only for province industry staff."""
    qs = Batch.objects.all()
    if roles_of(user).has(R.PROVINCE_STAFF) or user.is_superuser:
        return qs
    return qs.exclude(state=Batch.State.DRAFT)


def applications_visible_to(user):
    """An enterprise sees its own (drafts included); a county bureau the submitted applications of its county,
    a city bureau those of its city, province-level bureaus all submitted ones. Everyone else: none (experts read
    the applications they review through review/, which shows no workflow state: see files_visible_to)."""
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


def application_files_visible_to(user):
    """Applications whose submitted files the user may download: those in applications_visible_to, and for an
    expert those they accepted to review in a started or closed round (review.queries.reviewable_application_ids)."""
    visible = Q(pk__in=applications_visible_to(user).values("pk"))
    if user.is_authenticated and roles_of(user).expert_profile is not None:
        from review.queries import reviewable_application_ids

        visible |= Q(pk__in=reviewable_application_ids(user))
    return Application.objects.filter(visible)


def quota_used(batch, city):
    """City recommendations that stand (the application was not withdrawn afterwards)."""
    return (
        Application.objects.filter(batch=batch, city=city, city_recommended_at__isnull=False)
        .exclude(state="withdrawn")
        .count()
    )


def is_own_application(user, application):
    """The user acts for the application's enterprise."""
    return any(o.pk == application.enterprise_id for o in roles_of(user).organisations(R.ENTERPRISE))


def as_submitted_for(application, user):
    """What this user may see of the application's content, and which attachments.

    While an application is back with the enterprise for correction, its row holds unsubmitted edits. Only the
    enterprise sees those; everyone else sees the last submitted revision: returns (a copy of the application
    with the revision's data, the revision's attachment ids). Otherwise (application, None): the live row.
    """
    if application.state != State.RETURNED or is_own_application(user, application):
        return application, None
    revision = application.revisions.order_by("-number").first()
    if revision is None:
        return application, None
    shown = copy.copy(application)
    for name in DATA_FIELDS:
        if name in revision.data:
            setattr(shown, name, Application._meta.get_field(name).to_python(revision.data[name]))
    return shown, [a["id"] for a in revision.attachments]


def submitted_attachment_ids(application):
    """Every attachment any submitted revision of the application lists."""
    return {a["id"] for rev in application.revisions.values_list("attachments", flat=True) for a in rev}


def is_id(value, digits=18):
    """An ASCII decimal id that fits the database (str.isdigit also accepts "²", and any length)."""
    return re.fullmatch(rf"[0-9]{{1,{digits}}}", str(value)) is not None
