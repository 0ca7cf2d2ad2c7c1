"""认定 and 撤销认定: province staff recognise the ready items of a closed notice in bulk (each becomes a
Recognition frozen from its application, with a certificate number unique per year and level, and a first
certificate rendered after commit), revoke a recognition, and the daily expiry. Also the read side that these
services, the pages and the API share: who is recognition staff, which recognitions a user may see.

Certificate number: ASCII, printable and URL-safe for the verification page: ZJ-<year>-<level code>-<sequence>,
e.g. ZJ-2026-D-0007 (I international, D domestic, P provincial; the sequence runs per year and level, four
digits, more after 9999). Validity: from the decision date for three years, the last day included: valid_until
= the same day three years later − 1 day (2026-03-15 → 2029-03-14; 29 Feb → 28 Feb); the recognition is expired
from the day after valid_until.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q
from django.dispatch import Signal
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from accounts.queries import enterprise_users
from accounts.roles import acting_organisation, roles_of
from audit.services import record, snapshot
from certification.catalogue import Level
from certification.models import Application
from certification.models import State as ApplicationState
from notifications.services import notify

from ..models import Certificate, Notice, NoticeItem, Objection, Recognition

R = Membership.Role
LEVEL_CODES = {Level.INTERNATIONAL: "I", Level.DOMESTIC: "D", Level.PROVINCIAL: "P"}
NUMBER_PREFIX = "ZJ"
VALIDITY_YEARS = 3
MAX_ITEMS = 1000
# Names the advisory locks (two-key form: this constant and year*10 + level) that serialise numbering on PostgreSQL.
_SEQUENCE_LOCK_CLASS = 7_412_305
AUDIT_FIELDS = ["status", "revoked_at", "revocation_reason", "revocation_document"]
# Sent inside the revoking transaction (recognition, actor), so that payouts stops or claims back its money
# without recognition depending on payouts (connected in payouts/apps.py).
recognition_revoked = Signal()


# --- read side ------------------------------------------------------------------------------------


def is_recognition_staff(user):
    """Province industry staff recognise, reissue and revoke (finance and regulator staff do not)."""
    return bool(user.is_authenticated and (roles_of(user).has(R.PROVINCE_STAFF) or user.is_superuser))


def recognitions_visible_to(user):
    """Province staff: all; city and county bureaus: their region's; an enterprise: its own; others: none."""
    qs = Recognition.objects.select_related("batch", "city", "region")
    if not user.is_authenticated:
        return qs.none()
    roles = roles_of(user)
    if is_recognition_staff(user) or roles.is_province:
        return qs
    scope = Q(pk__in=[])
    region_ids = roles.region_ids_in_scope()
    if region_ids:
        scope |= Q(region_id__in=region_ids) | Q(city_id__in=region_ids)
    enterprises = [o.pk for o in roles.organisations(R.ENTERPRISE)]
    if enterprises:
        scope |= Q(enterprise_id__in=enterprises)
    return qs.filter(scope)


def own_recognitions(user):
    """The recognitions of the user's enterprises (我的认定)."""
    enterprises = [o.pk for o in roles_of(user).organisations(R.ENTERPRISE)] if user.is_authenticated else []
    return Recognition.objects.select_related("batch").filter(enterprise_id__in=enterprises)


def status_on(recognition, today=None):
    """The status as of today: a valid recognition past its last day is expired even before the daily task ran."""
    today = today or timezone.localdate()
    if recognition.status == Recognition.Status.VALID and recognition.valid_until < today:
        return Recognition.Status.EXPIRED
    return recognition.status


def ready_items(notice):
    """Items that may be recognised now: listed on a closed notice, application proposed, no open objection."""
    from .objections import items_ready_for_recognition

    return items_ready_for_recognition(notice)


# --- numbering and validity -------------------------------------------------------------------------


def certificate_number(year, level, sequence):
    return f"{NUMBER_PREFIX}-{year}-{LEVEL_CODES[level]}-{sequence:04d}"


def valid_until_for(start, years=VALIDITY_YEARS):
    """The last valid day: the same day `years` later, minus one day (29 Feb counts from 1 March)."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = dt.date(start.year + years, 3, 1)
    return anniversary - dt.timedelta(days=1)


def _lock_sequences(year, levels):
    """Serialise numbering per (year, level) until the transaction ends. SQLite runs IMMEDIATE transactions: the
    write lock is already held. The unique constraint (year, level, sequence) backs both."""
    if connection.vendor == "postgresql":
        order = list(LEVEL_CODES)
        with connection.cursor() as cursor:
            for level in sorted(levels, key=order.index):
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                               [_SEQUENCE_LOCK_CLASS, year * 10 + order.index(level)])


def _next_sequences(year, levels):
    _lock_sequences(year, levels)
    rows = (Recognition.objects.filter(year=year, level__in=levels).values("level")
            .annotate(top=Max("sequence")).values_list("level", "top"))
    top = dict(rows)
    return {level: (top.get(level) or 0) + 1 for level in levels}


# --- helpers ----------------------------------------------------------------------------------------


def require_staff(actor):
    if not is_recognition_staff(actor):
        raise PermissionDenied(_("只有省经信厅工作人员可以办理认定。"))
    return acting_organisation(actor, R.PROVINCE_STAFF)


def _clean_ids(item_ids):
    ids = []
    for value in item_ids or []:
        text = str(value).strip()
        if not text.isdigit() or len(text) > 18:
            raise ValidationError({"item_ids": _("项目编号无效：%(v)s") % {"v": text[:20]}})
        ids.append(int(text))
    return list(dict.fromkeys(ids))


def _clean_date(value, field, label):
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str) and value.strip():
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError({field: _("%(label)s格式应为 YYYY-MM-DD。") % {"label": label}}) from None
    if not isinstance(value, dt.date):
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    return value


def _clean_text(value, field, message, max_length):
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    if len(text) > max_length:
        raise ValidationError({field: _("不能超过 %(n)d 个字符。") % {"n": max_length}})
    return text


def _item_label(item):
    return _("第%(pos)s项《%(product)s》") % {"pos": item.position or item.pk, "product": item.application.product_name}


# --- recognise --------------------------------------------------------------------------------------


def recognise(*, actor, notice_id, item_ids, decision_number, decision_date, validity_years=VALIDITY_YEARS):
    """Recognise the chosen items of a closed notice in one transaction, with the decision's number and date.

    Every chosen item must be listed, with no open objection, and its application proposed; otherwise nothing is
    written and the error names the item. Items already recognised are skipped (a repeated request is a no-op
    for them: never a second number). Returns the recognitions this call created.

    Side effects: Recognition rows (numbered per year and level under a lock), a first Certificate (version 1,
    pending) each, NoticeItem → recognised, Application → recognised, audit events, a "recognition.granted"
    notification to the enterprise's users; after commit, one render task per certificate.
    """
    org = require_staff(actor)
    errors = {}
    try:
        decision_number = _clean_text(decision_number, "decision_number", _("请填写认定文号。"), 60)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        decision_date = _clean_date(decision_date, "decision_date", _("认定日期"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        ids = _clean_ids(item_ids)
        if not ids:
            errors["item_ids"] = [_("请选择要认定的项目。")]
        elif len(ids) > MAX_ITEMS:
            errors["item_ids"] = [_("一次最多认定 %(n)d 项。") % {"n": MAX_ITEMS}]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not isinstance(validity_years, int) or not 1 <= validity_years <= 10:
        errors["validity_years"] = [_("有效期应为 1 至 10 年。")]
    if errors:
        raise ValidationError(errors)

    from .certificates import enqueue

    created, certificate_ids = [], []
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("batch").filter(pk=notice_id).first()
        if notice is None:
            raise ValidationError({"notice": _("公示不存在。")})
        if notice.state != Notice.State.CLOSED:
            raise ValidationError({"notice": _("公示尚未结束，不能认定。")})
        if decision_date < timezone.localdate(notice.ends_at):
            raise ValidationError({"decision_date": _("认定日期不能早于公示结束日期（%(d)s）。")
                                   % {"d": timezone.localdate(notice.ends_at).isoformat()}})
        items = list(NoticeItem.objects.select_for_update(of=("self",)).filter(notice=notice, pk__in=ids)
                     .select_related("application__enterprise").order_by("position", "id"))
        unknown = set(ids) - {i.pk for i in items}
        if unknown:
            raise ValidationError({"item_ids": _("以下项目不属于该公示：%(ids)s")
                                   % {"ids": ", ".join(str(i) for i in sorted(unknown))}})
        todo = [i for i in items if i.state != NoticeItem.State.RECOGNISED]
        problems = []
        open_ids = set(Objection.objects.filter(item__in=todo, state__in=Objection.OPEN)
                       .values_list("item_id", flat=True))
        for item in todo:
            if item.state != NoticeItem.State.LISTED:
                problems.append(_("%(item)s已撤出本轮认定，不能认定。") % {"item": _item_label(item)})
            elif item.pk in open_ids:
                problems.append(_("%(item)s尚有未办结的异议，异议处理完毕后才能认定。") % {"item": _item_label(item)})
        if problems:
            raise ValidationError({"item_ids": problems})
        apps = {a.pk: a for a in Application.objects.select_for_update(of=("self",))
                .filter(pk__in=[i.application_id for i in todo]).select_related("enterprise")}
        for item in todo:
            app = apps[item.application_id]
            if app.state != ApplicationState.PROPOSED:
                problems.append(_("%(item)s的申报不在拟认定状态，不能认定。") % {"item": _item_label(item)})
            elif Recognition.objects.filter(application_id=app.pk).exists():
                problems.append(_("%(item)s的申报已认定过。") % {"item": _item_label(item)})
        if problems:
            raise ValidationError({"item_ids": problems})
        if not todo:
            return []

        year = notice.batch.year
        sequences = _next_sequences(year, {i.level for i in todo})
        valid_until = valid_until_for(decision_date, validity_years)
        for item in todo:
            app = apps[item.application_id]
            sequence = sequences[item.level]
            sequences[item.level] += 1
            rec = Recognition.objects.create(
                application=app, notice_item=item, batch_id=notice.batch_id, year=year,
                enterprise_id=app.enterprise_id, enterprise_name=app.enterprise.name,
                enterprise_uscc=app.enterprise.uscc, city_id=app.city_id, region_id=app.region_id,
                product_name=app.product_name, model_spec=app.model_spec, category=app.category,
                equipment_form=app.equipment_form, field=app.field, level=item.level,
                decision_number=decision_number, decision_date=decision_date, valid_from=decision_date,
                valid_until=valid_until, sequence=sequence,
                certificate_number=certificate_number(year, item.level, sequence),
                status=Recognition.Status.VALID, recognised_by=actor,
            )
            certificate = Certificate.objects.create(recognition=rec, version=1, current=True,
                                                     reason=_("首次签发"), requested_by=actor)
            certificate_ids.append(certificate.pk)
            item.state = NoticeItem.State.RECOGNISED
            item.save(update_fields=["state"])
            app.recognise()
            app.save()
            record(action="recognition.recognised", actor=actor, organisation=org, obj=rec,
                   after={"application": app.pk, "notice_item": item.pk, "certificate_number": rec.certificate_number,
                          "level": rec.level, "year": year, "decision_number": decision_number,
                          "decision_date": decision_date, "valid_until": valid_until})
            notify(recipients=enterprise_users(app.enterprise_id), kind="recognition.granted",
                   subject=_("“%(product)s”已认定为%(level)s") % {"product": rec.product_name,
                                                              "level": rec.get_level_display()},
                   body=_("认定文号：%(doc)s；证书编号：%(number)s；有效期至 %(until)s。证书生成后可在“我的认定”中下载。")
                   % {"doc": decision_number, "number": rec.certificate_number, "until": valid_until.isoformat()},
                   link="/recognitions/mine/")
            created.append(rec)
        transaction.on_commit(lambda: enqueue(certificate_ids))
    return created


# --- revoke and expire ------------------------------------------------------------------------------


def revoke(*, actor, recognition_id, reason, document_number):
    """撤销认定 with a reason and the revocation document's number.

    Side effects: Recognition → revoked (with date, reason and document); the catalogue and verification read the
    status; an audit event; recognition_revoked sent (payouts stops or claims back its money); a
    "recognition.revoked" notification to the enterprise's users.
    """
    org = require_staff(actor)
    errors = {}
    for field, value, message, limit in (
        ("reason", reason, _("请填写撤销理由。"), 2000),
        ("document_number", document_number, _("请填写撤销文号。"), 60),
    ):
        try:
            _clean_text(value, field, message, limit)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rec = Recognition.objects.select_for_update().filter(pk=recognition_id).first()
        if rec is None:
            raise Http404
        if rec.status == Recognition.Status.REVOKED:
            raise ValidationError(_("该认定已于 %(d)s 撤销。") % {"d": timezone.localdate(rec.revoked_at).isoformat()})
        before = snapshot(rec, AUDIT_FIELDS)
        rec.status = Recognition.Status.REVOKED
        rec.revoked_at = timezone.now()
        rec.revocation_reason = reason.strip()
        rec.revocation_document = document_number.strip()
        rec.save(update_fields=AUDIT_FIELDS)
        record(action="recognition.revoked", actor=actor, organisation=org, obj=rec, before=before,
               after=snapshot(rec, AUDIT_FIELDS), reason=rec.revocation_reason)
        recognition_revoked.send(sender=Recognition, recognition=rec, actor=actor)
        notify(recipients=enterprise_users(rec.enterprise_id), kind="recognition.revoked",
               subject=_("“%(product)s”的认定已撤销") % {"product": rec.product_name},
               body=_("证书编号 %(number)s 的认定已撤销。撤销文号：%(doc)s；理由：%(reason)s")
               % {"number": rec.certificate_number, "doc": rec.revocation_document, "reason": rec.revocation_reason},
               link="/recognitions/mine/")
    return rec


def expire_recognitions(*, today=None):
    """Valid recognitions whose last day has passed become expired (daily beat task). Returns how many.

    Side effects: status → expired and one audit event per recognition.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(Recognition.objects.select_for_update()
                   .filter(status=Recognition.Status.VALID, valid_until__lt=today).order_by("pk"))
        for rec in due:
            rec.status = Recognition.Status.EXPIRED
            rec.save(update_fields=["status"])
            record(action="recognition.expired", obj=rec, before={"status": Recognition.Status.VALID},
                   after={"status": rec.status, "valid_until": rec.valid_until},
                   reason=_("有效期届满（%(d)s）") % {"d": rec.valid_until.isoformat()})
    return len(due)
