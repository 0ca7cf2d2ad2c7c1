"""公示: province staff build a notice from a batch's proposals, edit it while it is a draft, publish it (the end
is counted in Chinese working days) and close it when it ends; beat closes the notices that are due.

Every write locks the notice row, checks the actor (province industry staff) and the state, writes an audit event
and tells the province staff through the notifications outbox (sent after commit)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from accounts.roles import acting_organisation
from audit.services import record
from certification.catalogue import Level
from certification.models import Application, Batch, State
from notifications.services import notify
from review.queries import is_review_staff

from ..models import MIN_NOTICE_WORKING_DAYS, Notice, NoticeItem
from ..workdays import notice_period

R = Membership.Role
MAX_WORKING_DAYS = 30
# A start a little in the past is "now" (the form was filled a few minutes ago); further back is refused.
PUBLISH_GRACE = dt.timedelta(minutes=15)
TEXT_FIELDS = ("title", "body", "contact")
EDITABLE_FIELDS = (*TEXT_FIELDS, "starts_at", "working_days")
LEVEL_ORDER = Case(*(When(proposal__outcome=v, then=Value(i)) for i, v in enumerate(Level.values)),
                   default=Value(99), output_field=IntegerField())


def require_staff(actor):
    """Province industry staff only; answers the organisation they act for (for the audit)."""
    if not is_review_staff(actor):
        raise PermissionDenied(_("只有省经信厅工作人员可以管理公示和异议。"))
    return acting_organisation(actor, R.PROVINCE_STAFF)


def province_staff():
    return list(User.objects.filter(memberships__role=R.PROVINCE_STAFF, is_active=True).distinct())


def staff_link(notice):
    return f"/notices/manage/{notice.pk}/"


def _lock(notice_id):
    notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    return notice


def proposed_applications(batch):
    """The batch's applications in state "proposed" that are not listed on another notice, with their level
    first (international, domestic, provincial), then by number."""
    return (
        Application.objects.filter(batch=batch, state=State.PROPOSED, proposal__isnull=False)
        .exclude(proposal__outcome="not_proposed")
        .exclude(notice_items__state=NoticeItem.State.LISTED)
        .select_related("proposal")
        .annotate(level_order=LEVEL_ORDER)
        .order_by("level_order", "number", "id")
    )


def _clean(values, errors):
    """Trimmed text fields and checked period fields; errors name the field."""
    out = {}
    for name in TEXT_FIELDS:
        if name in values:
            out[name] = (values[name] or "").strip()
    if "title" in out:
        if not out["title"]:
            errors["title"] = _("请填写公示标题。")
        elif len(out["title"]) > 150:
            errors["title"] = _("公示标题不能超过150个字。")
    if "contact" in out and not out["contact"]:
        errors["contact"] = _("请填写异议受理方式（受理单位、联系人、电话、地址等）。")
    if "working_days" in values:
        days = values["working_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not (
                MIN_NOTICE_WORKING_DAYS <= days <= MAX_WORKING_DAYS):
            errors["working_days"] = _("公示期应为%(min)s至%(max)s个工作日。") % {
                "min": MIN_NOTICE_WORKING_DAYS, "max": MAX_WORKING_DAYS}
        else:
            out["working_days"] = days
    if "starts_at" in values:
        start = values["starts_at"]
        if not isinstance(start, dt.datetime) or timezone.is_naive(start):
            errors["starts_at"] = _("请填写公示开始时间。")
        else:
            out["starts_at"] = start
    return out


def _snapshot(notice):
    return {"title": notice.title, "body": notice.body, "contact": notice.contact,
            "starts_at": notice.starts_at, "ends_at": notice.ends_at, "working_days": notice.working_days,
            "state": notice.state}


def _sync_items(notice):
    """Make the draft's items the batch's current proposals; answers (added, removed, changed) counts."""
    current = {i.application_id: i for i in notice.items.all()}
    wanted = list(proposed_applications(notice.batch).exclude(notice_items__notice=notice))
    wanted += list(
        Application.objects.filter(pk__in=current, state=State.PROPOSED).exclude(proposal__outcome="not_proposed")
        .select_related("proposal").annotate(level_order=LEVEL_ORDER)
    )
    wanted.sort(key=lambda a: (a.level_order, a.number, a.pk))
    keep = {a.pk for a in wanted}
    removed = [i for app_id, i in current.items() if app_id not in keep]
    NoticeItem.objects.filter(pk__in=[i.pk for i in removed]).delete()
    added = changed = 0
    for position, app in enumerate(wanted, start=1):
        item = current.get(app.pk)
        if item is None:
            NoticeItem.objects.create(notice=notice, application=app, level=app.proposal.outcome, position=position)
            added += 1
        elif item.level != app.proposal.outcome or item.position != position:
            changed += item.level != app.proposal.outcome
            item.level, item.position = app.proposal.outcome, position
            item.save(update_fields=["level", "position"])
    return added, len(removed), changed


def _items_out_of_date(notice):
    """Items whose application is no longer proposed at that level, and proposals missing from the draft."""
    problems = []
    for item in notice.items.select_related("application__proposal"):
        app = item.application
        proposal = getattr(app, "proposal", None)
        if app.state != State.PROPOSED or proposal is None or proposal.outcome != item.level:
            problems.append(app.number or str(app.pk))
    missing = proposed_applications(notice.batch).exclude(notice_items__notice=notice)
    problems += [a.number or str(a.pk) for a in missing]
    return problems


def create_notice(*, actor, batch, title, body="", contact, starts_at, working_days=MIN_NOTICE_WORKING_DAYS):
    """A draft notice of the batch listing every application in state "proposed" (not already on another notice)
    at its proposed level. Refused when there is none, or while the batch has another draft or published notice.

    Side effects: a Notice and its NoticeItems; an audit event.
    """
    org = require_staff(actor)
    errors = {}
    values = _clean({"title": title, "body": body, "contact": contact, "starts_at": starts_at,
                     "working_days": working_days}, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        batch = Batch.objects.select_for_update().filter(pk=getattr(batch, "pk", batch)).first()
        if batch is None:
            raise ValidationError({"batch": _("批次不存在。")})
        if batch.notices.filter(state__in=[Notice.State.DRAFT, Notice.State.PUBLISHED]).exists():
            raise ValidationError({"batch": _("该批次已有未结束的公示，请在原公示上修改。")})
        apps = list(proposed_applications(batch))
        if not apps:
            raise ValidationError({"batch": _("该批次没有处于“拟认定”状态且未公示的申报，不能创建公示。")})
        period = notice_period(values["starts_at"], values["working_days"])
        notice = Notice.objects.create(batch=batch, created_by=actor, ends_at=period.ends_at, **values)
        NoticeItem.objects.bulk_create(
            NoticeItem(notice=notice, application=a, level=a.proposal.outcome, position=i)
            for i, a in enumerate(apps, start=1)
        )
        record(action="notice.created", actor=actor, organisation=org, obj=notice,
               after={**_snapshot(notice), "batch": batch.pk, "items": [[a.pk, a.proposal.outcome] for a in apps]})
    return notice


def update_notice(*, actor, notice_id, **changes):
    """Change a draft's text and period (title, body, contact, starts_at, working_days); its items are brought up
    to date with the batch's current proposals at the same time (call with no change to refresh them).

    Side effects: the Notice row and its items; an audit event.
    """
    org = require_staff(actor)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    errors = {}
    values = _clean(changes, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        notice = _lock(notice_id)
        if notice.state != Notice.State.DRAFT:
            raise ValidationError(_("公示已发布，不能再修改。"))
        before = _snapshot(notice)
        for name, value in values.items():
            setattr(notice, name, value)
        notice.ends_at = notice_period(notice.starts_at, notice.working_days).ends_at
        notice.save()
        added, removed, changed = _sync_items(notice)
        if not notice.items.exists():
            raise ValidationError({"batch": _("该批次已没有处于“拟认定”状态的申报，公示不能没有项目。")})
        record(action="notice.updated", actor=actor, organisation=org, obj=notice, before=before,
               after={**_snapshot(notice), "items_added": added, "items_removed": removed,
                      "items_level_changed": changed})
    return notice


def publish_notice(*, actor, notice_id):
    """Publish a draft: the end is counted again from the start in working days. Refused when the start is more
    than PUBLISH_GRACE in the past (set a new start first) or when the proposals changed since the draft was
    saved (save it again to refresh its items).

    Side effects: state published, ends_at, published_at; an audit event; province staff notified.
    """
    org = require_staff(actor)
    with transaction.atomic():
        notice = _lock(notice_id)
        if notice.state != Notice.State.DRAFT:
            raise ValidationError(_("只有草稿状态的公示可以发布。"))
        now = timezone.now()
        if notice.starts_at < now - PUBLISH_GRACE:
            raise ValidationError({"starts_at": _("公示开始时间已过去，请修改开始时间后再发布。")})
        stale = _items_out_of_date(notice)
        if stale:
            raise ValidationError(_("以下申报的拟认定结果在草稿保存后有变化：%(numbers)s。请先“刷新公示项目”并核对后再发布。")
                                  % {"numbers": "、".join(stale[:20])})
        if not notice.items.exists():
            raise ValidationError(_("公示没有项目，不能发布。"))
        before = _snapshot(notice)
        period = notice_period(notice.starts_at, notice.working_days)
        notice.ends_at = period.ends_at
        notice.publish()
        notice.published_at = now
        notice.save()
        items = list(notice.items.values_list("application_id", "level"))
        record(action="notice.published", actor=actor, organisation=org, obj=notice, before=before,
               after={**_snapshot(notice), "items": items, "calendar_unknown_years": list(period.unknown_years)})
        notify(recipients=province_staff(), kind="notice.published",
               subject=_("公示已发布：%(title)s") % {"title": notice.title},
               body=_("共 %(n)s 项，公示期 %(start)s 至 %(end)s。") % {
                   "n": len(items), "start": timezone.localtime(notice.starts_at).strftime("%Y-%m-%d %H:%M"),
                   "end": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")},
               link=staff_link(notice))
    return notice


def _close(notice, *, actor, org, now):
    before = _snapshot(notice)
    notice.close()
    notice.closed_at = now
    notice.save()
    from .objections import open_objections_of_notice

    still_open = open_objections_of_notice(notice).count()
    record(action="notice.closed", actor=actor, organisation=org, obj=notice, before=before,
           after={**_snapshot(notice), "closed_at": now, "open_objections": still_open},
           reason="" if actor else "公示期满自动结束")
    body = _("公示期已满。")
    if still_open:
        body += _("尚有 %(n)s 件异议未处理完毕，相关项目待异议处理后方可认定。") % {"n": still_open}
    notify(recipients=province_staff(), kind="notice.closed",
           subject=_("公示已结束：%(title)s") % {"title": notice.title}, body=body, link=staff_link(notice))


def close_notice(*, actor, notice_id):
    """Close a published notice whose period has ended (beat does the same on its own).

    Side effects: state closed, closed_at; an audit event; province staff notified.
    """
    org = require_staff(actor)
    with transaction.atomic():
        notice = _lock(notice_id)
        if notice.state != Notice.State.PUBLISHED:
            raise ValidationError(_("只有公示中的公示可以结束。"))
        now = timezone.now()
        if notice.ends_at > now:
            raise ValidationError(_("公示期尚未届满（%(end)s 结束），不能提前结束。") % {
                "end": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")})
        _close(notice, actor=actor, org=org, now=now)
    return notice


def close_due_notices():
    """Beat: close every published notice whose end has come. Safe to run concurrently (each notice is locked and
    checked again). Answers how many were closed.

    Side effects: per notice as close_notice, with no actor.
    """
    closed = 0
    now = timezone.now()
    due = list(Notice.objects.filter(state=Notice.State.PUBLISHED, ends_at__lte=now).values_list("pk", flat=True))
    for notice_id in due:
        with transaction.atomic():
            notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
            if notice is None or notice.state != Notice.State.PUBLISHED or notice.ends_at > timezone.now():
                continue
            _close(notice, actor=None, org=None, now=timezone.now())
            closed += 1
    return closed


def available_actions(notice, user):
    """What the user may do to the notice now: codes among edit, publish, close."""
    if not is_review_staff(user):
        return []
    if notice.state == Notice.State.DRAFT:
        return ["edit", "publish"]
    if notice.state == Notice.State.PUBLISHED and notice.ends_at <= timezone.now():
        return ["close"]
    return []
