"""单一来源公示: the buyer fills in the notice of a single-source purchase while it is a draft (reason, the experts'
justification with their names, employers and titles, where objections go, the period in working days), publishes
it (the end counted in Chinese working days, at least 5: recognition/workdays.py), and beat closes it when it ends:
the purchase then waits for the award (pending_award). Objections are taken while it runs (services/objections.py).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.queries import enterprise_users
from config.values import clean_text, collect, refuse
from notifications.services import notify
from recognition.workdays import notice_period

from ..models import MIN_NOTICE_WORKING_DAYS, NoticeExpert, Purchase, PurchaseObjection, SingleSourceNotice
from .purchases import S, audit, buyer_users, link, lock, locked_recognition, recognition_refusal, require

MAX_WORKING_DAYS = 30
MAX_EXPERTS = 30
# A start a little in the past is "now" (the form was filled a few minutes ago); further back is refused.
PUBLISH_GRACE = dt.timedelta(minutes=15)
# A notice is scheduled at most a year ahead (and the working-day count stays far from the calendar's end).
MAX_START_AHEAD = dt.timedelta(days=365)
EXPERT_FIELDS = (("name", 60), ("employer", 120), ("title", 60))


def _snapshot(notice):
    return {
        "reason": notice.reason,
        "justification": notice.justification,
        "contact": notice.contact,
        "working_days": notice.working_days,
        "starts_at": notice.starts_at,
        "ends_at": notice.ends_at,
        "published_at": notice.published_at,
        "closed_at": notice.closed_at,
        "experts": [[e.name, e.employer, e.title] for e in notice.experts.all()] if notice.pk else [],
    }


def _clean_experts(experts):
    """[{name, employer, title}] trimmed; at least one, each with all three (errors under "experts")."""
    if not isinstance(experts, list | tuple) or not experts:
        refuse(_("请至少填写一位论证专家（姓名、工作单位、职称）。"), "experts")
    if len(experts) > MAX_EXPERTS:
        refuse(_("论证专家最多 %(n)s 位。") % {"n": MAX_EXPERTS}, "experts")
    cleaned, problems = [], []
    for position, expert in enumerate(experts, start=1):
        expert = expert if isinstance(expert, dict) else {}
        row = {name: str(expert.get(name) or "").strip() for name, _limit in EXPERT_FIELDS}
        if not all(row.values()):
            problems.append(_("第 %(n)s 位专家：请填写姓名、工作单位和职称。") % {"n": position})
        elif any(len(row[name]) > limit for name, limit in EXPERT_FIELDS):
            problems.append(_("第 %(n)s 位专家：姓名、职称不超过 60 字，工作单位不超过 120 字。") % {"n": position})
        cleaned.append(row)
    if problems:
        raise ValidationError({"experts": problems})
    return cleaned


def _clean_working_days(value):
    try:
        days = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        days = None
    if days is None or not MIN_NOTICE_WORKING_DAYS <= days <= MAX_WORKING_DAYS:
        refuse(
            _("公示期应为 %(min)s 至 %(max)s 个工作日。") % {"min": MIN_NOTICE_WORKING_DAYS, "max": MAX_WORKING_DAYS},
            "working_days",
        )
    return days


def _not_too_far(value, now):
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        refuse(_("请填写公示开始时间。"), "starts_at")
    if value > now + MAX_START_AHEAD:
        refuse(_("公示开始时间不能晚于一年之后。"), "starts_at")
    return value


def _clean_start(value, now):
    if value in (None, ""):
        return None
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        refuse(_("请填写公示开始时间。"), "starts_at")
    if value < now - PUBLISH_GRACE:
        refuse(_("公示开始时间不能早于当前时间。"), "starts_at")
    return _not_too_far(value, now)


def notice_preview(starts_at, working_days):
    """The period a notice starting at starts_at (None: now) would have: recognition.workdays.NoticePeriod
    (ends_at, last_day, and warnings for years the holiday calendar does not know). A start more than a year ahead
    is refused under "starts_at", as save_notice refuses it."""
    now = timezone.now()
    errors = {}
    start = collect(errors, _not_too_far, starts_at, now) if starts_at else now
    days = collect(errors, _clean_working_days, working_days)
    if errors:
        raise ValidationError(errors)
    return notice_period(start, days)


def save_notice(
    *, actor, purchase_id, reason, justification, contact, experts, working_days=MIN_NOTICE_WORKING_DAYS, starts_at=None
):
    """Create or replace the single-source notice of a draft single-source purchase (not yet published). Refused,
    each under its field: an empty reason, justification or contact; no expert, or one without name, employer
    or title ("experts"); a period outside 5–30 working days; a start in the past.

    Side effects: the SingleSourceNotice (ends_at previewed when a start is given) and its experts, replaced;
    an audit event.
    """
    now = timezone.now()
    errors = {}
    values = {
        "reason": collect(errors, clean_text, reason, "reason", _("请填写采用单一来源方式的理由。"), 5000),
        "justification": collect(
            errors, clean_text, justification, "justification", _("请填写专业人员论证意见。"), 5000
        ),
        "contact": collect(
            errors, clean_text, contact, "contact", _("请填写异议受理方式（联系人、电话、地址等）。"), 2000
        ),
        "working_days": collect(errors, _clean_working_days, working_days),
        "starts_at": collect(errors, _clean_start, starts_at, now),
    }
    rows = collect(errors, _clean_experts, experts)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        purchase = lock(actor, purchase_id)
        require(actor, purchase, "save_notice")
        notice = SingleSourceNotice.objects.select_for_update().filter(purchase=purchase).first()
        before = _snapshot(notice) if notice else None
        if notice is None:
            notice = SingleSourceNotice(purchase=purchase)
        for name, value in values.items():
            setattr(notice, name, value)
        notice.ends_at = notice_period(notice.starts_at, notice.working_days).ends_at if notice.starts_at else None
        notice.save()
        notice.experts.all().delete()
        NoticeExpert.objects.bulk_create(
            NoticeExpert(notice=notice, position=i, **row) for i, row in enumerate(rows, start=1)
        )
        audit(
            "purchase.notice_saved",
            purchase,
            actor=actor,
            obj=notice,
            before=before,
            after=_snapshot(notice),
        )
    return notice


def publish_notice(*, actor, purchase_id):
    """Publish the saved notice of a draft single-source purchase: it starts at the saved start (a start more
    than a few minutes in the past is refused: save a new one) or now, and ends after its working days
    (recognition.workdays.notice_period). Refused when the notice is missing or has no expert, or when the
    recognition is no longer valid today (the reason, under "recognition").

    Side effects: the notice's starts_at, ends_at, published_at; purchase → notice; an audit event; the supplier
    enterprise's users told (purchase.notice_published).
    """
    with transaction.atomic():
        purchase = lock(actor, purchase_id)
        require(actor, purchase, "publish_notice")
        notice = SingleSourceNotice.objects.select_for_update().filter(purchase=purchase).first()
        if notice is None or not notice.experts.exists():
            refuse(_("请先填写单一来源公示（含至少一位论证专家）。"), "notice")
        now = timezone.now()
        reason = recognition_refusal(locked_recognition(purchase), timezone.localdate(now))
        if reason:
            refuse(reason, "recognition")
        if notice.starts_at is not None and notice.starts_at < now - PUBLISH_GRACE:
            refuse(_("公示开始时间已过去，请修改开始时间后再发布。"), "starts_at")
        before = _snapshot(notice)
        notice.starts_at = notice.starts_at or now
        period = notice_period(notice.starts_at, notice.working_days)
        notice.ends_at = period.ends_at
        notice.published_at = now
        notice.save()
        purchase.publish_notice()
        purchase.save()
        audit(
            "purchase.notice_published",
            purchase,
            actor=actor,
            obj=purchase,
            before={"state": S.DRAFT, **before},
            after={"state": purchase.state, **_snapshot(notice), "calendar_unknown_years": list(period.unknown_years)},
        )
        notify(
            recipients=enterprise_users(purchase.supplier_id),
            kind="purchase.notice_published",
            subject=_("单一来源公示已发布：%(number)s") % {"number": purchase.number},
            body=_(
                "%(buyer)s 拟采用单一来源方式向贵单位采购“%(title)s”（%(number)s），公示期 %(start)s 至 %(end)s。"
                "公示期满且无未补充论证的异议后，采购人方可确定成交。"
            )
            % {
                "buyer": purchase.buyer.name,
                "title": purchase.title,
                "number": purchase.number,
                "start": timezone.localtime(notice.starts_at).strftime("%Y-%m-%d %H:%M"),
                "end": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M"),
            },
            link=link(purchase),
        )
    return notice


def accepting_objections(purchase, now=None):
    """Objections are taken while the purchase is under notice and the notice's period runs (even before beat
    closes it)."""
    now = now or timezone.now()
    notice = getattr(purchase, "notice", None)
    return bool(
        purchase.state == S.NOTICE
        and notice is not None
        and notice.published_at is not None
        and notice.starts_at <= now < notice.ends_at
    )


def notice_not_started(purchase, now=None):
    """The notice is published with a start still ahead: objections are taken from its start on."""
    now = now or timezone.now()
    notice = getattr(purchase, "notice", None)
    return bool(
        purchase.state == S.NOTICE and notice is not None and notice.published_at is not None and notice.starts_at > now
    )


def close_due_notices(now=None):
    """Beat: every purchase under notice whose notice has ended → pending_award. Safe to run concurrently (each
    purchase is locked and checked again). Answers how many were closed.

    Side effects per purchase: the notice's closed_at; purchase → pending_award; an audit event; the buyer's
    users told (purchase.notice_closed), with the count of objections still awaiting a justification.
    """
    now = now or timezone.now()
    due = list(Purchase.objects.filter(state=S.NOTICE, notice__ends_at__lte=now).values_list("pk", flat=True))
    closed = 0
    for pk in due:
        with transaction.atomic():
            purchase = Purchase.objects.select_for_update(of=("self",)).select_related("notice").get(pk=pk)
            notice = purchase.notice
            if purchase.state != S.NOTICE or notice.ends_at > now:
                continue
            notice.closed_at = now
            notice.save(update_fields=["closed_at"])
            purchase.close_notice()
            purchase.save()
            still_open = PurchaseObjection.objects.filter(notice=notice, state=PurchaseObjection.State.OPEN).count()
            audit(
                "purchase.notice_closed",
                purchase,
                obj=purchase,
                before={"state": S.NOTICE},
                after={"state": purchase.state, "closed_at": now, "open_objections": still_open},
                reason="公示期满自动结束",
            )
            body = _("“%(title)s”（%(number)s）的单一来源公示期已满，可以确定成交。") % {
                "title": purchase.title,
                "number": purchase.number,
            }
            if still_open:
                body = _(
                    "“%(title)s”（%(number)s）的单一来源公示期已满。尚有 %(n)s 件异议未补充论证，"
                    "补充论证后方可确定成交。"
                ) % {"title": purchase.title, "number": purchase.number, "n": still_open}
            notify(
                recipients=buyer_users(purchase.buyer_id),
                kind="purchase.notice_closed",
                subject=_("单一来源公示已结束：%(number)s") % {"number": purchase.number},
                body=body,
                link=link(purchase),
            )
            closed += 1
    return closed
