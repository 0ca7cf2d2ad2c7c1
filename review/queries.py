"""Read-side querysets of expert review, scoped to the user. An expert's querysets start from their own
assignments: another expert's sheet is never in reach of an expert's query (blind review)."""

from accounts.models import Membership
from accounts.roles import roles_of

from .models import Assignment, ReviewRound, ScoreSheet

R = Membership.Role
OPEN_TO_EXPERTS = (ReviewRound.State.STARTED, ReviewRound.State.CLOSED)


def is_review_staff(user):
    """Province industry staff run expert review."""
    return user.is_authenticated and (roles_of(user).has(R.PROVINCE_STAFF) or user.is_superuser)


def my_assignments(user):
    """The expert's assignments they may see: active (not recused or removed) in a started or closed round."""
    if not user.is_authenticated or roles_of(user).expert_profile is None:
        return Assignment.objects.none()
    return Assignment.objects.filter(expert=user, state__in=Assignment.ACTIVE, round__state__in=OPEN_TO_EXPERTS)


def my_sheets(user):
    return ScoreSheet.objects.filter(assignment__in=my_assignments(user))


def reviewable_application_ids(user):
    """Ids of the applications whose content the expert may read: those they declared no conflict on."""
    return my_assignments(user).filter(state=Assignment.State.ACCEPTED).values("application_id")


def rounds_for_staff(user):
    if not is_review_staff(user):
        return ReviewRound.objects.none()
    return ReviewRound.objects.select_related("batch")


def reviewable_applications(user):
    """The applications the expert may read (never through certification's lists, which show workflow state)."""
    from certification.models import Application

    return Application.objects.select_related("batch", "enterprise", "region", "city").filter(
        pk__in=reviewable_application_ids(user))
