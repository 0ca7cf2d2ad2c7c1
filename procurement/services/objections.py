"""异议 to a single-source notice: any member of the public (no account, real name and phone) objects while the
notice runs and gets a tracking number; the buyer answers one or more open objections with a supplementary
justification (补充论证, public once made); the award is refused while an objection is unanswered. The objector
gets the answer by e-mail when they gave an address (an after-commit task that retries, and a beat sweep for
whatever is left; sent once: a conditional update claims it), and the status page shows it to whoever has the
tracking number and the phone. Rate limiting is the public view's (config/ratelimit.py).

The award (services/awards.py) and the objection both lock the purchase row, so an objection filed at the last
moment and the close-then-award never both land: either the objection is in before the notice closes (the award
sees it) or the purchase has left the notice state (the objection is refused)."""

import base64
import datetime as dt
import logging
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.values import clean_ids, clean_text, collect, refuse
from notifications.services import notify
from recognition.services.objections import _check_person, normalise_phone, normalise_tracking

from ..models import Justification, Purchase, PurchaseObjection
from ..queries import public_purchases
from .notices import accepting_objections
from .purchases import audit, buyer_users, link, lock, parse_pk, require

log = logging.getLogger(__name__)

TRACKING_PREFIX = "SY"
_TRACKING = re.compile(r"^SY\d{4}-[A-Z2-7]{8}$")
# The sweep gives up on a reply mail this long after the justification (the status page still shows it).
REPLY_SWEEP_DAYS = 30
Open = PurchaseObjection.State.OPEN


def _now():
    """The clock of the objection window (a seam for the tests of the last-moment race)."""
    return timezone.now()


def new_tracking_number(year):
    """SY + year + "-" + 8 random base32 characters (40 bits): not guessable, not sequential."""
    return f"{TRACKING_PREFIX}{year}-{base64.b32encode(secrets.token_bytes(5)).decode()}"


def open_objections(purchase):
    """The objections of the purchase's notice still awaiting a supplementary justification."""
    return PurchaseObjection.objects.filter(notice__purchase=purchase, state=Open)


def find_by_tracking(*, tracking_number, phone):
    """The objection with this tracking number and phone, or None (a wrong phone looks like an unknown number)."""
    number = normalise_tracking(tracking_number)
    phone = normalise_phone(phone)
    if not phone or not _TRACKING.match(number):
        return None
    return (
        PurchaseObjection.objects.select_related("notice__purchase__buyer", "justification")
        .filter(tracking_number=number, phone=phone)
        .first()
    )


def submit_objection(*, purchase_id, name, phone, content, organisation="", email="", ip=None):
    """File an objection to the single-source notice of a purchase, while the notice is published and its period
    runs. Refusals raise ValidationError naming the field (the window under "__all__") and write nothing; a
    purchase the public cannot see answers 404.

    Side effects: a PurchaseObjection with a new tracking number; an audit event; the buyer's users told
    (purchase.objection).
    """
    values, errors = _check_person(
        {"name": name, "organisation": organisation, "phone": phone, "email": email, "content": content}
    )
    purchase = public_purchases().filter(pk=parse_pk(purchase_id)).first()
    if purchase is None:
        raise Http404
    closed = _("该项目的单一来源公示不在公示期内，不再受理异议。")
    if not accepting_objections(purchase, _now()):
        refuse(closed)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        purchase = Purchase.objects.select_for_update(of=("self",)).select_related("notice").get(pk=purchase.pk)
        if not accepting_objections(purchase, _now()):
            refuse(closed)
        year = timezone.localdate().year
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    objection = PurchaseObjection.objects.create(
                        notice=purchase.notice,
                        tracking_number=new_tracking_number(year),
                        submitted_ip=ip or None,
                        **values,
                    )
                break
            except IntegrityError:  # a tracking number collision (1 in 10^12): draw again
                continue
        else:
            raise RuntimeError("no free tracking number")
        audit(
            "purchase.objection_submitted",
            purchase,
            obj=objection,
            after={
                "name": objection.name,
                "organisation": objection.organisation,
                "phone": objection.phone,
                "email": objection.email,
            },
        )
        notify(
            recipients=buyer_users(purchase.buyer_id),
            kind="purchase.objection",
            subject=_("单一来源公示收到异议：%(number)s") % {"number": purchase.number},
            body=_(
                "“%(title)s”的单一来源公示收到异议（受理编号 %(tracking)s，异议人 %(name)s）。"
                "请组织补充论证；补充论证前不能确定成交。"
            )
            % {"title": purchase.title, "tracking": objection.tracking_number, "name": objection.name},
            link=link(purchase),
        )
    return objection


def add_justification(*, actor, purchase_id, text, objection_ids, experts=""):
    """补充论证 answering the listed open objections of the purchase's notice (at least one; an answered or
    foreign id is refused under "objection_ids"), while the purchase is under notice or pending award.

    Side effects: a Justification; the objections answered (state, justification, answered_at); an audit
    event; after commit, one reply mail task per objector who gave an e-mail.
    """
    errors = {}
    text = collect(errors, clean_text, text, "text", _("请填写补充论证意见。"), 5000)
    experts = collect(errors, clean_text, experts, "experts", "", 2000, required=False)
    ids = collect(errors, clean_ids, objection_ids, "objection_ids")
    if ids == []:
        errors["objection_ids"] = [_("请选择本次补充论证答复的异议。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        purchase = lock(actor, purchase_id)
        require(actor, purchase, "justify")
        notice = purchase.notice
        objections = list(
            PurchaseObjection.objects.select_for_update().filter(notice=notice, pk__in=ids).order_by("created_at", "id")
        )
        unknown = set(ids) - {o.pk for o in objections}
        if unknown:
            refuse(
                _("以下异议不属于该项目的公示：%(ids)s") % {"ids": ", ".join(str(i) for i in sorted(unknown))},
                "objection_ids",
            )
        answered = [o.tracking_number for o in objections if o.state != Open]
        if answered:
            refuse(_("以下异议已补充论证：%(list)s") % {"list": "、".join(answered)}, "objection_ids")
        justification = Justification.objects.create(notice=notice, text=text, experts=experts, created_by=actor)
        now = timezone.now()
        PurchaseObjection.objects.filter(pk__in=[o.pk for o in objections]).update(
            state=PurchaseObjection.State.ANSWERED, justification=justification, answered_at=now
        )
        audit(
            "purchase.justified",
            purchase,
            actor=actor,
            obj=justification,
            after={
                "text": text,
                "experts": experts,
                "objections": [o.tracking_number for o in objections],
            },
        )
        to_mail = [o.pk for o in objections if o.email]
        if to_mail:
            transaction.on_commit(lambda: enqueue_replies(to_mail))
    return justification


# --- the reply mail ----------------------------------------------------------------------------------------


def enqueue_replies(objection_ids):
    """Hand the reply mails to the broker; if it is down, the beat sweep sends them later."""
    from ..tasks import send_objection_reply

    for pk in objection_ids:
        try:
            send_objection_reply.delay(pk)
        except Exception as exc:  # kombu raises several types for an unreachable broker
            log.warning("broker unavailable, reply of purchase objection %s left to the sweep: %s", pk, exc)
            return


def _needs_reply():
    return PurchaseObjection.objects.filter(state=PurchaseObjection.State.ANSWERED, reply_sent_at__isnull=True).exclude(
        email=""
    )


def reply_message(objection):
    purchase = objection.notice.purchase
    justification = objection.justification
    lines = [
        _("%(name)s：") % {"name": objection.name},
        _(
            "您对“%(buyer)s”的采购项目“%(title)s”（%(number)s）单一来源公示提出的异议（受理编号 %(tracking)s），"
            "采购人已作出补充论证。"
        )
        % {
            "buyer": purchase.buyer.name,
            "title": purchase.title,
            "number": purchase.number,
            "tracking": objection.tracking_number,
        },
        _("补充论证意见：%(text)s") % {"text": justification.text},
    ]
    if justification.experts:
        lines.append(_("参与补充论证的专业人员：%(experts)s") % {"experts": justification.experts})
    lines += ["", _("您也可以凭受理编号和联系电话在 %(url)s 查询。") % {"url": f"{settings.SITE_URL}{reverse('purchase_objection_status')}"}]
    return "\n".join(lines)


def send_reply(*, objection_id):
    """Send the reply mail of an answered objection once. The conditional update of reply_sent_at claims the
    row and the mail is sent in the same transaction: a failure rolls the claim back (the task retries, the
    sweep picks it up), and a second run waits for the first and then finds nothing to claim. Answers True when
    this call sent it; raises what the mail backend raised.

    Side effects: one e-mail; reply_sent_at.
    """
    with transaction.atomic():
        if not _needs_reply().filter(pk=objection_id).update(reply_sent_at=timezone.now()):
            return False
        objection = PurchaseObjection.objects.select_related("notice__purchase__buyer", "justification").get(
            pk=objection_id
        )
        EmailMessage(
            subject=_("单一来源公示异议答复（受理编号 %(number)s）") % {"number": objection.tracking_number},
            body=reply_message(objection),
            to=[objection.email],
        ).send()
    return True


def send_objection_replies():
    """Beat: send every reply mail not yet sent (answered in the last REPLY_SWEEP_DAYS). Idempotent and safe next
    to the tasks; a failure is logged and left for the next sweep. Answers how many were sent."""
    since = timezone.now() - dt.timedelta(days=REPLY_SWEEP_DAYS)
    sent = 0
    for pk in list(_needs_reply().filter(answered_at__gte=since).order_by("answered_at").values_list("pk", flat=True)):
        try:
            sent += send_reply(objection_id=pk)
        except Exception as exc:
            log.warning("reply mail of purchase objection %s failed: %s", pk, exc)
    return sent
