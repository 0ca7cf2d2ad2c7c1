"""Beat: remind experts of unsubmitted sheets as the deadline nears, at most once a day each."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.services import notify

from ..models import Assignment, ReviewRound, ScoreSheet

REMIND_WITHIN = timedelta(hours=72)
REMIND_EVERY = timedelta(hours=23)


def remind_experts(now=None):
    """For each started round whose deadline is within three days, one reminder per expert with pending
    work (an undeclared assignment or an unsubmitted sheet) who was not reminded in the last day (whatever the
    assignment). Returns the number of experts reminded. Safe to run twice at once: each expert's reminder is
    claimed under their user row's lock."""
    now = now or timezone.now()
    due = (
        Assignment.objects.filter(
            round__state=ReviewRound.State.STARTED, round__deadline__gt=now,
            round__deadline__lte=now + REMIND_WITHIN, state__in=Assignment.ACTIVE,
        )
        .exclude(sheet__state=ScoreSheet.State.SUBMITTED)
    )
    experts = set(due.values_list("expert_id", flat=True))
    recent = Assignment.objects.filter(last_reminded_at__gt=now - REMIND_EVERY)
    experts -= set(recent.filter(expert_id__in=experts).values_list("expert_id", flat=True))
    reminded = 0
    for expert_id in sorted(experts):
        with transaction.atomic():
            expert = User.objects.select_for_update().get(pk=expert_id)
            if recent.filter(expert_id=expert_id).exists():
                continue
            rows = list(due.filter(expert_id=expert_id).values_list("pk", "round__deadline"))
            if not rows:
                continue
            Assignment.objects.filter(pk__in=[pk for pk, _d in rows]).update(last_reminded_at=now)
            deadline = timezone.localtime(min(d for _pk, d in rows)).strftime("%Y-%m-%d %H:%M")
            notify(recipients=[expert], kind="review.reminder",
                   subject=_("评审截止提醒：%(deadline)s") % {"deadline": deadline},
                   body=_("您还有 %(n)d 项评审未完成（未声明回避或评分表未提交），请于 %(deadline)s 前完成。")
                   % {"n": len(rows), "deadline": deadline}, link="/review/my/")
            reminded += 1
    return reminded
