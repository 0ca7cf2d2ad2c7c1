"""The expert's own view: their assignments, progress and deadline. Reads only the expert's own rows."""

from django.db.models import Count, Min, Q

from .models import Assignment, ScoreSheet
from .queries import my_assignments


def my_assignment_rows(user):
    """The expert's visible assignments with the application's identity and their own sheet's state."""
    return (
        my_assignments(user)
        .select_related("application__enterprise", "round__batch", "sheet")
        .order_by("round__deadline", "application__number", "id")
    )


def my_progress(user):
    """{"total", "pending" (to declare), "to_score" (accepted, sheet not submitted), "submitted", "deadline"}."""
    counts = my_assignments(user).aggregate(
        total=Count("id"),
        pending=Count("id", filter=Q(state=Assignment.State.PENDING)),
        to_score=Count("id", filter=Q(state=Assignment.State.ACCEPTED, sheet__state=ScoreSheet.State.DRAFT)),
        submitted=Count("id", filter=Q(sheet__state=ScoreSheet.State.SUBMITTED)),
        deadline=Min("round__deadline", filter=Q(round__state="started")),
    )
    return counts
