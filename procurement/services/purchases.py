"""首购项目: a government buyer's staff record a purchase of a recognised product (draft), change it while it is a
draft, or cancel it with a reason before the award. Also the helpers the other procurement services share: the
row lock within the actor's scope, the role and state gate of procurement/workflow.py, the value checks.

A purchase is refused when its recognition is revoked, expired or not yet valid (recognition_refusal names the
revocation document and date, or the validity dates): at creation and on every change as of today, and again at
the award as of the award date (services/awards.py).

Number: SG<year>-<sequence>, four digits at least (SG2026-0001), per calendar year of creation; serialised by an
advisory lock on PostgreSQL (SQLite runs IMMEDIATE transactions) and backed by the unique constraint."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Length
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organisation, User
from accounts.queries import enterprise_users
from accounts.roles import roles_of
from audit.services import record, snapshot
from certification.queries import is_id
from config.values import clean_text, collect, refuse
from notifications.services import notify
from recognition.models import Recognition

from .. import workflow
from ..models import Purchase
from ..queries import is_buyer_of, purchases_visible_to

R = Membership.Role
S = Purchase.State
M = Purchase.Method
NUMBER_PREFIX = "SG"
# Any constant works; it names the advisory lock that serialises purchase numbering on PostgreSQL.
_NUMBER_LOCK_KEY = 7_412_707
MAX_AMOUNT = Decimal("99999999999999.99")  # 16 digits, 2 decimals (the model's MONEY)
MAX_QUANTITY = 2_147_483_647
TEXT_MAX = 5000
AUDIT_FIELDS = [
    "number",
    "state",
    "buyer",
    "recognition",
    "supplier",
    "title",
    "description",
    "method",
    "method_details",
    "quantity",
    "unit",
    "budget",
    "awarded_on",
    "award_amount",
    "cancel_reason",
]
EDITABLE = ("recognition_id", "title", "method", "method_details", "quantity", "unit", "budget", "description")


def link(purchase):
    """The purchase's page for its buyer, supplier and the bureaus (the link of its notifications)."""
    return reverse("purchase_detail", args=[purchase.pk])


# --- who, and the gate --------------------------------------------------------------------------------------


def buyer_users(buyer_id):
    """Active users acting for the buyer organisation."""
    return list(
        User.objects.filter(memberships__organisation_id=buyer_id, memberships__role=R.BUYER, is_active=True).distinct()
    )


def parse_pk(value):
    """A primary key from a URL or form value; 404 for anything that cannot be one."""
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    return pk


def lock(actor, purchase_id):
    """The purchase row, locked, if the actor can see it; 404 otherwise (existence must not leak)."""
    purchase = purchases_visible_to(actor).select_for_update(of=("self",)).filter(pk=parse_pk(purchase_id)).first()
    if purchase is None:
        raise Http404
    return purchase


def require(actor, purchase, code):
    """The workflow table's gate: PermissionDenied when the actor does not act for the buyer, a ValidationError
    naming the state when the action is not open from it (or its condition does not hold)."""
    if not is_buyer_of(actor, purchase):
        raise PermissionDenied(_("只有该项目的采购人可以办理。"))
    if not workflow.can_take(actor, purchase, code):
        action = workflow.ACTIONS[code]
        if purchase.state in action.sources and code in ("save_notice", "publish_notice"):
            refuse(_("只有单一来源采购需要发布单一来源公示。"))
        if purchase.state in action.sources and code == "award":
            refuse(
                _("采用单一来源方式且预算达到公开招标数额标准的项目，须先发布单一来源公示，公示期满后方可确定成交。")
            )
        refuse(
            _("项目当前状态为“%(state)s”，不能%(action)s。")
            % {"state": purchase.get_state_display(), "action": action.label}
        )


def audit(action, purchase, *, actor=None, obj=None, before=None, after=None, reason=""):
    """One audit event of a write to the purchase, or to obj, one of its parts (then `after` names the purchase
    too), in the buyer organisation's name."""
    if obj is not None and obj is not purchase:
        after = {"purchase": purchase.pk, "number": purchase.number, **(after or {})}
    record(
        action=action,
        actor=actor,
        organisation=purchase.buyer,
        obj=obj or purchase,
        before=before,
        after=after,
        reason=reason,
    )


# --- value checks ---------------------------------------------------------------------------------------------


def clean_amount(value, field, label):
    """A positive amount in yuan with at most two decimals (commas allowed in text)."""
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        refuse(_("请填写%(label)s（元）。") % {"label": label}, field)
    if amount <= 0:
        refuse(_("%(label)s应大于 0。") % {"label": label}, field)
    if amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        refuse(_("%(label)s最多两位小数，且不超过 %(max)s 元。") % {"label": label, "max": MAX_AMOUNT}, field)
    return amount.quantize(Decimal("0.01"))


# --- recognition ----------------------------------------------------------------------------------------------


def recognition_refusal(recognition, on_date):
    """Why a purchase of this recognition cannot be made on on_date (a translated sentence), or None when it is
    valid then. Revoked (from the day of revocation on: always, the status is current), expired (valid_until
    before on_date), not yet valid (valid_from after on_date)."""
    what = {"number": recognition.certificate_number, "product": recognition.product_name}
    if recognition.status == Recognition.Status.REVOKED:
        revoked = timezone.localdate(recognition.revoked_at).isoformat() if recognition.revoked_at else "—"
        return _(
            "认定“%(product)s”（证书编号 %(number)s）已于 %(date)s 撤销（撤销文号：%(doc)s），不能作为首购产品。"
        ) % {**what, "date": revoked, "doc": recognition.revocation_document or "—"}
    if recognition.valid_until < on_date:
        return _(
            "认定“%(product)s”（证书编号 %(number)s）的有效期至 %(until)s，%(date)s 已过期，不能作为首购产品。"
        ) % {**what, "until": recognition.valid_until.isoformat(), "date": on_date.isoformat()}
    if recognition.valid_from > on_date:
        return _(
            "认定“%(product)s”（证书编号 %(number)s）自 %(from)s 起有效，%(date)s 尚未生效，不能作为首购产品。"
        ) % {**what, "from": recognition.valid_from.isoformat(), "date": on_date.isoformat()}
    return None


def locked_recognition(purchase):
    """The purchase's recognition, re-read under its row lock: a revocation holds that lock while it writes
    (recognition.services.recognitions.revoke), so a validity check made under it cannot miss one in flight."""
    return Recognition.objects.select_for_update().get(pk=purchase.recognition_id)


def _recognition(recognition_id):
    text = str(recognition_id or "").strip()
    rec = None
    if is_id(text):
        rec = Recognition.objects.select_related("enterprise").filter(pk=int(text)).first()
    if rec is None:
        refuse(_("请选择首台（套）认定产品。"), "recognition")
    reason = recognition_refusal(rec, timezone.localdate())
    if reason:
        refuse(reason, "recognition")
    return rec


# --- writes ---------------------------------------------------------------------------------------------------


def _buyer(actor, buyer_id):
    """The buyer organisation the actor records for: its only one, or the one chosen among several."""
    buyers = [o for o in roles_of(actor).organisations(R.BUYER)] if actor.is_authenticated else []
    if not buyers:
        raise PermissionDenied(_("只有采购人可以录入首购项目。"))
    if buyer_id in (None, ""):
        if len(buyers) > 1:
            refuse(_("请选择采购人。"), "buyer")
        org = buyers[0]
    else:
        org = next((o for o in buyers if str(o.pk) == str(buyer_id).strip()), None)
        if org is None:
            raise PermissionDenied(_("您不能以该采购人的名义录入项目。"))
    if org.status != Organisation.Status.APPROVED:
        raise PermissionDenied(_("采购人单位尚未审核通过。"))
    return org


def _clean_fields(values):
    """Checks every given field; ValidationError with every problem, each under its field."""
    errors, out = {}, {}
    if "recognition_id" in values:
        out["recognition"] = collect(errors, _recognition, values["recognition_id"])
    if "title" in values:
        out["title"] = collect(errors, clean_text, values["title"], "title", _("请填写采购项目名称。"), 150)
    if "description" in values:
        out["description"] = collect(
            errors, clean_text, values["description"], "description", "", TEXT_MAX, required=False
        )
    if "method" in values:
        if values["method"] not in M.values:
            errors["method"] = [_("请选择采购方式。")]
        else:
            out["method"] = values["method"]
    if "method_details" in values:
        out["method_details"] = collect(
            errors, clean_text, values["method_details"], "method_details", "", 60, required=False
        )
    if "quantity" in values:
        quantity = values["quantity"]
        try:
            quantity = int(str(quantity).strip()) if not isinstance(quantity, bool) else None
        except (TypeError, ValueError):
            quantity = None
        if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
            errors["quantity"] = [_("采购数量应为正整数。")]
        else:
            out["quantity"] = quantity
    if "unit" in values:
        out["unit"] = collect(errors, clean_text, values["unit"], "unit", _("请填写计量单位。"), 10)
    if "budget" in values:
        out["budget"] = collect(errors, clean_amount, values["budget"], "budget", _("预算金额"))
    if errors:
        raise ValidationError(errors)
    return out


def _check_method(purchase):
    if purchase.method == M.OTHER and not purchase.method_details:
        refuse(_("采用“其他方式”时请说明具体采购方式（如竞争性谈判）。"), "method_details")
    if purchase.method != M.OTHER:
        purchase.method_details = ""


def _next_number(year):
    """The next number of the year, under the numbering lock (see the module docstring)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_NUMBER_LOCK_KEY])
    prefix = f"{NUMBER_PREFIX}{year}-"
    last = (
        Purchase.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def create_purchase(
    *,
    actor,
    recognition_id,
    title,
    method,
    quantity,
    budget,
    description="",
    method_details="",
    unit="台",
    buyer_id=None,
):
    """Record a purchase (draft) of a recognised product by the actor's buyer organisation (buyer_id chooses
    among several); the supplier is the recognised enterprise. Refused, each under its field: a recognition
    revoked, expired or not yet valid today (the reason), an empty title, an unknown method, "other" without
    details, a quantity or budget that is not positive.

    Side effects: a Purchase with its number; an audit event.
    """
    buyer = _buyer(actor, buyer_id)
    values = _clean_fields(
        {
            "recognition_id": recognition_id,
            "title": title,
            "method": method,
            "method_details": method_details,
            "quantity": quantity,
            "unit": unit,
            "budget": budget,
            "description": description,
        }
    )
    rec = values["recognition"]
    purchase = Purchase(buyer=buyer, supplier_id=rec.enterprise_id, created_by=actor, **values)
    _check_method(purchase)
    with transaction.atomic():
        purchase.number = _next_number(timezone.localdate().year)
        try:
            with transaction.atomic():
                purchase.save()
        except IntegrityError:  # only without the lock (another writer outside this service): try once more
            purchase.number = _next_number(timezone.localdate().year)
            purchase.save()
        audit("purchase.created", purchase, actor=actor, after=snapshot(purchase, AUDIT_FIELDS))
    return purchase


def update_purchase(*, actor, purchase_id, **changes):
    """Change a draft's fields (any of EDITABLE; the same checks as at creation; a new recognition brings its
    enterprise as supplier). A single-source notice saved but never published is removed when the method
    changes away from single source.

    Side effects: the Purchase row; an audit event when something changed.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({k: [_("该项不能修改。")] for k in sorted(unknown)})
    with transaction.atomic():
        purchase = lock(actor, purchase_id)
        require(actor, purchase, "edit")
        values = _clean_fields(changes)
        before = snapshot(purchase, AUDIT_FIELDS)
        for name, value in values.items():
            setattr(purchase, name, value)
        if "recognition" in values:
            purchase.supplier_id = values["recognition"].enterprise_id
        _check_method(purchase)
        removed_notice = None
        notice = getattr(purchase, "notice", None)
        if purchase.method != M.SINGLE_SOURCE and notice is not None and notice.published_at is None:
            removed_notice = notice.pk
            notice.experts.all().delete()
            notice.delete()
        purchase.save()
        after = snapshot(purchase, AUDIT_FIELDS)
        if after != before or removed_notice:
            audit(
                "purchase.updated",
                purchase,
                actor=actor,
                obj=purchase,
                before=before,
                after={**after, **({"notice_removed": removed_notice} if removed_notice else {})},
            )
    return Purchase.objects.get(pk=purchase.pk)


def cancel_purchase(*, actor, purchase_id, reason):
    """终止采购 of a draft, a purchase under notice or one pending award, with a reason. A running notice ends
    (closed now; no more objections).

    Side effects: state → cancelled, cancel_reason, the notice's closed_at; an audit event; once past draft, the
    supplier enterprise's users told (purchase.cancelled).
    """
    reason = clean_text(reason, "reason", _("请填写终止理由。"), 2000)
    with transaction.atomic():
        purchase = lock(actor, purchase_id)
        require(actor, purchase, "cancel")
        before = snapshot(purchase, AUDIT_FIELDS)
        notice = getattr(purchase, "notice", None)
        if notice is not None and notice.published_at is not None and notice.closed_at is None:
            notice.closed_at = timezone.now()
            notice.save(update_fields=["closed_at"])
        purchase.cancel()
        purchase.cancel_reason = reason
        purchase.save()
        audit(
            "purchase.cancelled",
            purchase,
            actor=actor,
            obj=purchase,
            before=before,
            after=snapshot(purchase, AUDIT_FIELDS),
            reason=reason,
        )
        if before["state"] != S.DRAFT:  # the supplier has seen it (a notice naming it): tell it of the end
            notify(
                recipients=enterprise_users(purchase.supplier_id),
                kind="purchase.cancelled",
                subject=_("政府首购项目终止：%(number)s") % {"number": purchase.number},
                body=_("%(buyer)s 已终止采购项目“%(title)s”（%(number)s）。终止理由：%(reason)s")
                % {"buyer": purchase.buyer.name, "title": purchase.title, "number": purchase.number, "reason": reason},
                link=link(purchase),
            )
    return purchase
