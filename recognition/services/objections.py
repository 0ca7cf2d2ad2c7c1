"""异议: the public files an objection against an item of a published notice (real name, phone, optional evidence
file kept privately) and gets a tracking number; province staff investigate, then uphold it (the item leaves this
round, or its level changes) or dismiss it, always with a reply. The objector has no account: the reply goes by
e-mail when they gave an address (an after-commit task that retries, and a beat sweep for whatever is left), and
the status page shows it to whoever has the tracking number and the phone.

What recognition needs: open_objections(item) and items_ready_for_recognition(notice)."""

import base64
import datetime as dt
import logging
import re
import secrets
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from certification import storage
from certification.catalogue import Level
from certification.models import Application, State
from certification.services.attachments import detect_kind, sanitise_name
from notifications.services import notify
from review.queries import is_review_staff

from ..models import Notice, NoticeItem, Objection
from .notices import province_staff, require_staff

log = logging.getLogger(__name__)

EVIDENCE_MAX_MB = 10
EVIDENCE_MAX_BYTES = EVIDENCE_MAX_MB * 1024 * 1024
EVIDENCE_KINDS = {"pdf": ("pdf", "application/pdf"), "png": ("png", "image/png"), "jpeg": ("jpg", "image/jpeg")}
CONTENT_MAX = 5000
REPLY_MAX = 5000
RESOLVED = (Objection.State.UPHELD, Objection.State.DISMISSED)
# The sweep gives up on a reply mail this long after the decision (the status page still shows the reply).
REPLY_SWEEP_DAYS = 30

_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_LANDLINE = re.compile(r"^(0\d{2,3})-?(\d{7,8})(?:-(\d{1,6}))?$")
_TRACKING = re.compile(r"^YY\d{4}-[A-Z2-7]{8}$")


# --- reading -----------------------------------------------------------------------------------------------


def open_objections(item):
    """The item's objections still being handled (received or investigating)."""
    return Objection.objects.filter(item=item, state__in=Objection.OPEN)


def open_objections_of_notice(notice):
    return Objection.objects.filter(item__notice=notice, state__in=Objection.OPEN)


def items_ready_for_recognition(notice):
    """The items of a closed notice that may be recognised: still listed, the application still proposed, and no
    objection open on them (an upheld one has already removed the item or changed its level)."""
    if notice.state != Notice.State.CLOSED:
        return NoticeItem.objects.none()
    busy = Objection.objects.filter(item=OuterRef("pk"), state__in=Objection.OPEN)
    return (
        NoticeItem.objects.filter(notice=notice, state=NoticeItem.State.LISTED, application__state=State.PROPOSED)
        .exclude(Exists(busy))
        .select_related("application__enterprise")
        .order_by("position", "id")
    )


def accepting_objections(notice, now=None):
    """Objections are taken while the notice is published and its period runs (even before beat closes it)."""
    now = now or timezone.now()
    return notice.state == Notice.State.PUBLISHED and notice.starts_at <= now < notice.ends_at


def public_notices():
    """Notices the public may read: published (once their period has started) and closed ones."""
    return Notice.objects.filter(state__in=[Notice.State.PUBLISHED, Notice.State.CLOSED],
                                 starts_at__lte=timezone.now())


def objections_for_staff(user):
    if not is_review_staff(user):
        return Objection.objects.none()
    return Objection.objects.select_related("item__notice", "item__application__enterprise")


def normalise_phone(raw):
    """A Chinese mobile (11 digits, +86 allowed) or landline (area code, number, optional extension) in one
    form ("13912345678", "0571-88886666", "0571-88886666-801"); None if it is neither."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    text = re.sub(r"[\s()（）]", "", text).replace("—", "-").replace("－", "-")
    match = _MOBILE.match(text.replace("-", ""))
    if match:
        return match.group(1)
    match = _LANDLINE.match(text)
    if match:
        area, number, ext = match.groups()
        if "-" not in text:  # 057188886666: area codes are 3 digits for 01x/02x, 4 otherwise
            digits = area + number
            size = 3 if digits[:2] in ("01", "02") else 4
            area, number = digits[:size], digits[size:]
            if not 7 <= len(number) <= 8:
                return None
        return f"{area}-{number}" + (f"-{ext}" if ext else "")
    return None


def normalise_tracking(raw):
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().upper().replace(" ", "")
    if len(text) == 14 and "-" not in text:
        text = f"{text[:6]}-{text[6:]}"
    return text


def find_by_tracking(*, tracking_number, phone):
    """The objection with this tracking number and phone, or None (a wrong phone looks like an unknown number)."""
    number = normalise_tracking(tracking_number)
    phone = normalise_phone(phone)
    if not phone or not _TRACKING.match(number):
        return None
    return (Objection.objects.select_related("item__notice", "item__application")
            .filter(tracking_number=number, phone=phone).first())


def new_tracking_number(year):
    """YY + year + "-" + 8 random base32 characters (40 bits): not guessable, not sequential."""
    return f"YY{year}-{base64.b32encode(secrets.token_bytes(5)).decode()}"


# --- filing ------------------------------------------------------------------------------------------------


def _check_person(values):
    errors = {}
    out = {k: (values.get(k) or "").strip() for k in ("name", "organisation", "email", "content")}
    if not out["name"]:
        errors["name"] = _("请填写异议人姓名（异议须实名提出）。")
    elif len(out["name"]) > 60:
        errors["name"] = _("姓名不能超过60个字。")
    if len(out["organisation"]) > 120:
        errors["organisation"] = _("单位名称不能超过120个字。")
    phone = normalise_phone(values.get("phone"))
    if not (values.get("phone") or "").strip():
        errors["phone"] = _("请填写联系电话。")
    elif phone is None:
        errors["phone"] = _("联系电话应为手机号码（11位）或固定电话（区号-号码）。")
    out["phone"] = phone or ""
    if out["email"]:
        try:
            validate_email(out["email"])
        except ValidationError:
            errors["email"] = _("电子邮箱格式不正确。")
    if not out["content"]:
        errors["content"] = _("请填写异议内容（事实、理由）。")
    elif len(out["content"]) > CONTENT_MAX:
        errors["content"] = _("异议内容不能超过%(n)s个字。") % {"n": CONTENT_MAX}
    return out, errors


def _receive_evidence(uploaded):
    """(temporary path, size, sha256, extension, name) of a checked evidence file; ValidationError otherwise."""
    too_large = _("证明材料不能超过 %(n)s MB。") % {"n": EVIDENCE_MAX_MB}
    declared = getattr(uploaded, "size", None)
    if declared == 0:
        raise ValidationError({"evidence": _("证明材料文件为空。")})
    if declared is not None and declared > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": too_large})
    try:
        tmp, size, sha256, head = storage.receive(uploaded.chunks(), max_bytes=EVIDENCE_MAX_BYTES)
    except storage.TooLarge:
        raise ValidationError({"evidence": too_large}) from None
    kind = detect_kind(head)
    if size == 0 or kind not in EVIDENCE_KINDS:
        storage.discard(tmp)
        raise ValidationError({"evidence": _("证明材料只接受 PDF、JPG 或 PNG 文件（按文件内容判断，不看扩展名）。")})
    ext, _content_type = EVIDENCE_KINDS[kind]
    name = sanitise_name(getattr(uploaded, "name", ""), ext=ext, fallback=_("证明材料"))
    return tmp, size, sha256, ext, name


def submit_objection(*, item_id, name, phone, content, organisation="", email="", evidence=None, ip=None):
    """File an objection against a listed item of a notice whose period runs now (anyone, no account).

    Refusals raise ValidationError naming the field and write nothing (an uploaded file is removed).

    Side effects: an Objection with a new tracking number; the evidence file under
    PRIVATE_STORAGE_ROOT/objections/<notice id>/; an audit event; province staff notified (notice.objection).
    """
    values, errors = _check_person({"name": name, "organisation": organisation, "phone": phone, "email": email,
                                    "content": content})
    item = NoticeItem.objects.select_related("notice", "application").filter(pk=item_id).first()
    if item is None:
        raise Http404
    if not accepting_objections(item.notice):
        raise ValidationError({"item": _("该公示不在公示期内，不再受理异议。")})
    if item.state != NoticeItem.State.LISTED:
        errors["item"] = _("该项目已撤出本轮认定，不再受理异议。")
    if errors:
        raise ValidationError(errors)
    received = _receive_evidence(evidence) if evidence else None
    final = None
    try:
        with transaction.atomic():
            notice = Notice.objects.select_for_update().get(pk=item.notice_id)
            item = NoticeItem.objects.get(pk=item.pk)
            if not accepting_objections(notice):
                raise ValidationError({"item": _("该公示不在公示期内，不再受理异议。")})
            if item.state != NoticeItem.State.LISTED:
                raise ValidationError({"item": _("该项目已撤出本轮认定，不再受理异议。")})
            evidence_fields = {}
            if received:
                tmp, size, sha256, ext, file_name = received
                final = storage.place(tmp, folder=f"objections/{notice.pk}", ext=ext)
                evidence_fields = {"evidence_name": file_name, "evidence_path": final, "evidence_sha256": sha256,
                                   "evidence_size": size}
            year = timezone.localtime().year
            for _attempt in range(5):
                try:
                    with transaction.atomic():
                        objection = Objection.objects.create(
                            item=item, tracking_number=new_tracking_number(year), submitted_ip=ip or None,
                            **values, **evidence_fields)
                    break
                except IntegrityError:  # a tracking number collision (1 in 10^12): draw again
                    continue
            else:
                raise RuntimeError("no free tracking number")
            record(action="objection.submitted", obj=objection,
                   after={"item": item.pk, "notice": notice.pk, "application": item.application_id,
                          "name": objection.name, "organisation": objection.organisation, "phone": objection.phone,
                          "email": objection.email, "evidence_sha256": objection.evidence_sha256,
                          "evidence_size": objection.evidence_size})
            notify(recipients=province_staff(), kind="notice.objection",
                   subject=_("收到公示异议：%(product)s") % {"product": item.application.product_name},
                   body=_("受理编号 %(number)s，异议人 %(name)s。请及时调查核实。") % {
                       "number": objection.tracking_number, "name": objection.name},
                   link=staff_link(objection))
    except BaseException:
        if received:
            storage.discard(received[0])
        if final:
            storage.discard(storage.resolve(final))
        raise
    return objection


def staff_link(objection):
    return f"/notices/manage/objections/{objection.pk}/"


# --- handling ----------------------------------------------------------------------------------------------


def _lock(objection_id):
    objection = Objection.objects.select_for_update().filter(pk=objection_id).first()
    if objection is None:
        raise Http404
    return objection


def _snapshot(o):
    return {"state": o.state, "action": o.action, "new_level": o.new_level, "reply": o.reply}


def _clean_reply(reply, message):
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": message})
    if len(reply) > REPLY_MAX:
        raise ValidationError({"reply": _("处理意见不能超过%(n)s个字。") % {"n": REPLY_MAX}})
    return reply


def start_investigation(*, actor, objection_id):
    """Received → investigating.

    Side effects: the state; an audit event.
    """
    org = require_staff(actor)
    with transaction.atomic():
        objection = _lock(objection_id)
        if objection.state != Objection.State.RECEIVED:
            raise ValidationError(_("只有“已受理”的异议可以开始调查核实。"))
        before = _snapshot(objection)
        objection.investigate()
        objection.save()
        record(action="objection.investigating", actor=actor, organisation=org, obj=objection, before=before,
               after=_snapshot(objection))
    return objection


def _schedule_reply(objection):
    if objection.email:
        pk = objection.pk
        transaction.on_commit(lambda: enqueue_reply(pk))


def enqueue_reply(objection_id):
    """Hand the reply mail to the broker; if it is down, the beat sweep sends it later."""
    from ..tasks import send_objection_reply

    try:
        send_objection_reply.delay(objection_id)
    except Exception as exc:  # kombu raises several types for an unreachable broker
        log.warning("broker unavailable, reply of objection %s left to the sweep: %s", objection_id, exc)


def uphold(*, actor, objection_id, action, reply, new_level=""):
    """异议成立. action "remove": the item leaves this round (its application becomes not recognised);
    action "change_level": the item's level becomes new_level, the reply is kept as the change reason.
    A reply to the objector is required.

    Side effects: the objection (state, action, new level, reply, resolver); the item and, for remove, the
    application; an audit event; after commit, the reply mail task when the objector gave an e-mail.
    """
    org = require_staff(actor)
    errors = {}
    if action not in Objection.Action.values:
        errors["action"] = _("请选择处理措施（撤出本轮认定或调整认定级别）。")
    new_level = (new_level or "").strip() if action == Objection.Action.CHANGE_LEVEL else ""
    if action == Objection.Action.CHANGE_LEVEL and new_level not in Level.values:
        errors["new_level"] = _("请选择调整后的认定级别。")
    try:
        reply = _clean_reply(reply, _("请填写处理意见（异议成立的理由，将答复异议人）。"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        objection = _lock(objection_id)
        if objection.state not in Objection.OPEN:
            raise ValidationError(_("该异议已处理完毕。"))
        item = NoticeItem.objects.select_for_update().get(pk=objection.item_id)
        if item.state != NoticeItem.State.LISTED:
            raise ValidationError({"action": _("该项目已%(state)s，不能再按异议成立处理；如需结案请选择“异议不成立”并说明。")
                                             % {"state": item.get_state_display()}})
        if action == Objection.Action.CHANGE_LEVEL and new_level == item.level:
            raise ValidationError({"new_level": _("调整后的级别与当前拟认定级别相同。")})
        before = {**_snapshot(objection), "item_state": item.state, "item_level": item.level}
        if action == Objection.Action.REMOVE:
            app = Application.objects.select_for_update().get(pk=item.application_id)
            if app.state != State.PROPOSED:
                raise ValidationError({"action": _("该申报当前不处于“拟认定”状态，不能撤出。")})
            app.not_recognise()
            app.save()
            item.state = NoticeItem.State.REMOVED
            item.change_reason = reply[:300]
            item.save(update_fields=["state", "change_reason"])
        else:
            item.level = new_level
            item.change_reason = reply[:300]
            item.save(update_fields=["level", "change_reason"])
        objection.uphold()
        objection.action, objection.new_level, objection.reply = action, new_level, reply
        objection.resolved_by, objection.resolved_at = actor, timezone.now()
        objection.save()
        record(action="objection.upheld", actor=actor, organisation=org, obj=objection, before=before,
               after={**_snapshot(objection), "item_state": item.state, "item_level": item.level}, reason=reply)
        _schedule_reply(objection)
    return objection


def dismiss(*, actor, objection_id, reply):
    """异议不成立, with a reply to the objector.

    Side effects: the objection (state, reply, resolver); an audit event; after commit, the reply mail task when
    the objector gave an e-mail.
    """
    org = require_staff(actor)
    reply = _clean_reply(reply, _("请填写答复意见（异议不成立的理由）。"))
    with transaction.atomic():
        objection = _lock(objection_id)
        if objection.state not in Objection.OPEN:
            raise ValidationError(_("该异议已处理完毕。"))
        before = _snapshot(objection)
        objection.dismiss()
        objection.reply = reply
        objection.resolved_by, objection.resolved_at = actor, timezone.now()
        objection.save()
        record(action="objection.dismissed", actor=actor, organisation=org, obj=objection, before=before,
               after=_snapshot(objection), reason=reply)
        _schedule_reply(objection)
    return objection


def available_actions(objection, user):
    """Codes among investigate, uphold, dismiss the user may take now."""
    if not is_review_staff(user) or objection.state not in Objection.OPEN:
        return []
    actions = ["investigate"] if objection.state == Objection.State.RECEIVED else []
    return [*actions, "uphold", "dismiss"]


def open_evidence(*, actor, objection_id):
    """The objection and an open handle on its evidence file, for province staff (404 for anyone else, and when
    there is no file). The caller closes the handle.

    Side effects: an audit event 'objection.evidence_downloaded'.
    """
    if not is_review_staff(actor):
        raise Http404
    org = require_staff(actor)
    objection = Objection.objects.filter(pk=objection_id).exclude(evidence_path="").first()
    if objection is None:
        raise Http404
    try:
        handle = storage.open_private(objection.evidence_path)
    except FileNotFoundError:
        raise Http404 from None
    try:
        record(action="objection.evidence_downloaded", actor=actor, organisation=org, obj=objection,
               after={"name": objection.evidence_name, "sha256": objection.evidence_sha256})
    except BaseException:
        handle.close()
        raise
    return objection, handle


def evidence_content_type(objection):
    ext = objection.evidence_path.rsplit(".", 1)[-1]
    return {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}.get(ext, "application/octet-stream")


# --- the reply mail ----------------------------------------------------------------------------------------


def _needs_reply():
    return Objection.objects.filter(state__in=RESOLVED, reply_sent_at__isnull=True).exclude(email="")


def reply_message(objection):
    item = objection.item
    verdict = objection.get_state_display()
    lines = [
        _("%(name)s：") % {"name": objection.name},
        _("您对公示“%(notice)s”中“%(enterprise)s %(product)s”提出的异议（受理编号 %(number)s）已处理完毕。") % {
            "notice": item.notice.title, "enterprise": item.application.enterprise.name,
            "product": item.application.product_name, "number": objection.tracking_number},
        _("处理结果：%(verdict)s") % {"verdict": verdict},
    ]
    if objection.state == Objection.State.UPHELD:
        lines.append(_("处理措施：%(action)s") % {"action": objection.get_action_display()}
                     + (f"（{Level(objection.new_level).label}）" if objection.new_level else ""))
    lines += [_("处理意见：%(reply)s") % {"reply": objection.reply}, "",
              _("您也可以凭受理编号和联系电话在 %(url)s 查询。") % {"url": f"{settings.SITE_URL}/objections/status/"}]
    return "\n".join(lines)


def send_reply(*, objection_id):
    """Send the reply mail of a resolved objection once. The conditional update of reply_sent_at claims the row
    and, in the same transaction, the mail is sent: a failure rolls the claim back (the task retries, the sweep
    picks it up), and a second run waits for the first and then finds nothing to claim. Answers True when this
    call sent it; raises what the mail backend raised.

    Side effects: one e-mail; reply_sent_at.
    """
    with transaction.atomic():
        won = _needs_reply().filter(pk=objection_id).update(reply_sent_at=timezone.now())
        if not won:
            return False
        objection = Objection.objects.select_related("item__notice", "item__application__enterprise").get(
            pk=objection_id)
        EmailMessage(subject=_("公示异议处理结果（受理编号 %(number)s）") % {"number": objection.tracking_number},
                     body=reply_message(objection), to=[objection.email]).send()
    return True


def send_pending_replies():
    """Beat: send every reply mail not yet sent (decided in the last REPLY_SWEEP_DAYS). Idempotent and safe next
    to the tasks; a failure is logged and left for the next sweep. Answers how many were sent."""
    since = timezone.now() - dt.timedelta(days=REPLY_SWEEP_DAYS)
    sent = 0
    for pk in list(_needs_reply().filter(resolved_at__gte=since).order_by("resolved_at").values_list("pk", flat=True)):
        try:
            sent += send_reply(objection_id=pk)
        except Exception as exc:
            log.warning("reply mail of objection %s failed: %s", pk, exc)
    return sent
