"""Beat: remind experts of unsubmitted sheets as the deadline nears, at most once a day each."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.services import notify

from ..models import Assignment, ReviewRound, ScoreSheet

REMIND_WITHIN = timedelta(hours=72)
REMIND_EVERY = timedelta(hours=23)


def remind_experts(now=None):
    """For each started round whose deadline is within three days, one reminder per expert with pending
    work (an undeclared assignment or an unsubmitted sheet) who was not reminded in the last day.
    Returns the number of experts reminded. Safe to retry: the claim on last_reminded_at is conditional."""
    now = now or timezone.now()
    due = (
        Assignment.objects.filter(
            round__state=ReviewRound.State.STARTED, round__deadline__gt=now,
            round__deadline__lte=now + REMIND_WITHIN, state__in=Assignment.ACTIVE,
        )
        .exclude(sheet__state=ScoreSheet.State.SUBMITTED)
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=now - REMIND_EVERY))
    )
    reminded = 0
    for expert_id in sorted(set(due.values_list("expert_id", flat=True))):
        with transaction.atomic():
            mine = due.filter(expert_id=expert_id)
            rows = list(mine.select_related("round").values_list("pk", "round__deadline"))
            if not rows or not Assignment.objects.filter(pk__in=[r[0] for r in rows]).filter(
                Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=now - REMIND_EVERY)
            ).update(last_reminded_at=now):
                continue
            deadline = timezone.localtime(min(r[1] for r in rows)).strftime("%Y-%m-%d %H:%M")
            notify(recipients=[User.objects.get(pk=expert_id)], kind="review.reminder",
                   subject=_("评审截止提醒：%(deadline)s") % {"deadline": deadline},
                   body=_("您还有 %(n)d 项评审未完成（未声明回避或评分表未提交），请于 %(deadline)s 前完成。")
                   % {"n": len(rows), "deadline": deadline}, link="/review/my/")
            reminded += 1
    return reminded
