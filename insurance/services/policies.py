"""Writes to policies (保单): created and updated by the enterprise that holds the recognition, with their insured
units. Whether a policy earns compensation is the eligibility service's question (a coverage below the equipment
value, a late start or an unpaid premium is stored and then reported as a reason); here only what makes a policy
record wrong on its face is refused."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accounts.models import Membership, Organisation, normalise_uscc
from accounts.roles import roles_of
from audit.services import record, snapshot
from recognition.models import Recognition

from ..models import Claim, Policy, PolicyUnit
from ..queries import policies_visible_to

R = Membership.Role
POLICY_FIELDS = ["enterprise", "recognition", "insurer", "policy_number", "buyer", "equipment_value", "premium",
                 "coverage_limit", "starts_on", "ends_on", "premium_paid_on", "renewal_of", "national_compensation"]
MAX_UNITS = 500
TEXT_MAX = 60
# A policy carried by a claim under review or decided is evidence: it no longer changes.
LOCKED_CLAIM_STATES = (Claim.State.LOCAL_REVIEW, Claim.State.JOINT_REVIEW, Claim.State.APPROVED,
                       Claim.State.PAYABLE)


def _refuse(field, message):
    raise ValidationError({field: [message]})


def _date(value, field, *, required=True):
    if value in (None, ""):
        if required:
            _refuse(field, _("必填。"))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        _refuse(field, _("日期格式应为 YYYY-MM-DD。"))
    return parsed


def _money(value, field):
    if value in (None, ""):
        _refuse(field, _("必填。"))
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        _refuse(field, _("请输入金额（元）。"))
    if not amount.is_finite() or amount <= 0:
        _refuse(field, _("金额必须大于零。"))
    if amount >= Decimal("1e14"):  # before quantize, which raises InvalidOperation past 28 digits
        _refuse(field, _("金额过大。"))
    if amount != amount.quantize(Decimal("0.01")):
        _refuse(field, _("金额最多保留两位小数。"))
    return amount.quantize(Decimal("0.01"))


def _text(value, field, *, max_length=TEXT_MAX):
    text = str(value or "").strip()
    if not text:
        _refuse(field, _("必填。"))
    if len(text) > max_length:
        _refuse(field, _("最多 %(n)s 个字符。") % {"n": max_length})
    return text


def _own_recognition(actor, recognition_id):
    """The recognition if the actor acts for its enterprise; 404 otherwise (existence must not leak)."""
    enterprises = [o.pk for o in roles_of(actor).organisations(R.ENTERPRISE)]
    recognition = Recognition.objects.filter(pk=recognition_id, enterprise_id__in=enterprises).first()
    if recognition is None:
        raise Http404
    return recognition


def _insurer(insurer_id):
    org = Organisation.objects.filter(pk=insurer_id, kind=Organisation.Kind.INSURER,
                                      status=Organisation.Status.APPROVED).first() if insurer_id else None
    if org is None:
        _refuse("insurer", _("请选择已登记的保险机构。"))
    return org


def _buyer(actor, enterprise, buyer_id, buyer_name, buyer_uscc):
    """The user organisation: a registered approved one, one already registered with the USCC, or a new 其他单位."""
    if buyer_id:
        org = Organisation.objects.filter(pk=buyer_id, status=Organisation.Status.APPROVED).exclude(
            kind=Organisation.Kind.BUREAU).first()
        if org is None:
            _refuse("buyer", _("请选择已登记的用户单位。"))
        return org
    uscc = normalise_uscc(buyer_uscc)
    if not buyer_name and not uscc:
        _refuse("buyer", _("请选择用户单位，或填写其名称和统一社会信用代码。"))
    existing = Organisation.objects.filter(uscc=uscc).first() if uscc else None
    if existing is not None:
        if existing.kind == Organisation.Kind.BUREAU or existing.status != Organisation.Status.APPROVED:
            _refuse("buyer_uscc", _("该统一社会信用代码对应的单位不能作为用户单位。"))
        return existing
    org = Organisation(kind=Organisation.Kind.OTHER, name=str(buyer_name or "").strip(), uscc=uscc,
                       region=enterprise.region, status=Organisation.Status.APPROVED)
    try:
        org.full_clean()
    except ValidationError as exc:
        keys = {"uscc": "buyer_uscc", "name": "buyer_name"}
        raise ValidationError({keys.get(k, "buyer"): v for k, v in exc.message_dict.items()}) from None
    org.save()
    record(action="org.created", actor=actor, organisation=enterprise, obj=org,
           after={"kind": org.kind, "name": org.name, "uscc": org.uscc}, reason=_("录入保单时登记的用户单位"))
    return org


def _units(rows):
    if not isinstance(rows, list | tuple) or not rows:
        _refuse("units", _("请至少填写一台（套）投保设备。"))
    if len(rows) > MAX_UNITS:
        _refuse("units", _("一张保单最多 %(n)s 台（套）设备。") % {"n": MAX_UNITS})
    today = timezone.localdate()
    cleaned, seen = [], set()
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            _refuse("units", _("第 %(i)s 行格式错误。") % {"i": i})
        try:
            serial = _text(row.get("serial_number"), "serial_number")
            contract = _text(row.get("contract_number"), "contract_number")
            contract_date = _date(row.get("contract_date"), "contract_date")
            delivered_on = _date(row.get("delivered_on"), "delivered_on")
        except ValidationError as exc:
            [(field, messages)] = exc.message_dict.items()
            _refuse("units", _("第 %(i)s 行 %(f)s：%(m)s") % {
                "i": i, "f": PolicyUnit._meta.get_field(field).verbose_name, "m": messages[0]})
        if serial in seen:
            _refuse("units", _("第 %(i)s 行：出厂编号 %(s)s 重复。") % {"i": i, "s": serial})
        seen.add(serial)
        if delivered_on < contract_date:
            _refuse("units", _("第 %(i)s 行：交付日期早于合同签订日期。") % {"i": i})
        if delivered_on > today:
            _refuse("units", _("第 %(i)s 行：交付日期不能晚于今天。") % {"i": i})
        cleaned.append({"serial_number": serial, "contract_number": contract, "contract_date": contract_date,
                        "delivered_on": delivered_on, "application_reward": bool(row.get("application_reward"))})
    return cleaned


def _renewal_of(recognition, renewal_of_id, starts_on, policy=None):
    if not renewal_of_id:
        return None
    previous = Policy.objects.filter(pk=renewal_of_id, recognition=recognition).first()
    if previous is None or (policy is not None and previous.pk == policy.pk):
        _refuse("renewal_of", _("续保的原保单须是同一认定产品的另一张保单。"))
    if previous.ends_on > starts_on:
        _refuse("renewal_of", _("续保保单的起期不能早于原保单止期（%(d)s）。") % {"d": previous.ends_on})
    return previous


def _apply(actor, policy, data):
    """Validate everything and set it on the (unsaved or locked) policy; returns the cleaned units."""
    errors = {}

    def take(field, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            errors.update(exc.message_dict if hasattr(exc, "error_dict") else {field: exc.messages})
            return None

    insurer = take("insurer", _insurer, data.get("insurer_id"))
    number = take("policy_number", _text, data.get("policy_number"), "policy_number")
    values = {f: take(f, _money, data.get(f), f) for f in ("equipment_value", "premium", "coverage_limit")}
    starts_on = take("starts_on", _date, data.get("starts_on"), "starts_on")
    ends_on = take("ends_on", _date, data.get("ends_on"), "ends_on")
    paid_on = take("premium_paid_on", _date, data.get("premium_paid_on"), "premium_paid_on", required=False)
    units = take("units", _units, data.get("units"))
    if starts_on and ends_on and ends_on <= starts_on:
        errors["ends_on"] = [_("保险止期须晚于起期。")]
    if paid_on and paid_on > timezone.localdate():
        errors["premium_paid_on"] = [_("缴清日期不能晚于今天。")]
    if values["premium"] and values["equipment_value"] and values["premium"] > values["equipment_value"]:
        errors["premium"] = [_("保费不能高于设备价值。")]
    renewal = None
    if starts_on and not errors:
        renewal = take("renewal_of", _renewal_of, policy.recognition, data.get("renewal_of_id"), starts_on,
                       policy if policy.pk else None)
    if errors:
        raise ValidationError(errors)
    # The buyer last: it may register a new organisation, which must not happen for a refused policy.
    buyer = _buyer(actor, policy.enterprise, data.get("buyer_id"), data.get("buyer_name"), data.get("buyer_uscc"))
    if insurer.pk == buyer.pk or buyer.pk == policy.enterprise_id:
        _refuse("buyer", _("用户单位不能是保险机构或投保企业本身。"))
    policy.insurer, policy.policy_number, policy.buyer = insurer, number, buyer
    for field, value in values.items():
        setattr(policy, field, value)
    policy.starts_on, policy.ends_on, policy.premium_paid_on = starts_on, ends_on, paid_on
    policy.renewal_of = renewal
    policy.national_compensation = bool(data.get("national_compensation"))
    return units


def _snapshot(policy):
    data = snapshot(policy, POLICY_FIELDS)
    data["units"] = [
        {"serial_number": u.serial_number, "contract_number": u.contract_number,
         "contract_date": u.contract_date.isoformat(), "delivered_on": u.delivered_on.isoformat(),
         "application_reward": u.application_reward}
        for u in policy.units.order_by("serial_number")
    ]
    return data


def _save(policy, units):
    try:
        with transaction.atomic():
            policy.save()
            policy.units.all().delete()
            PolicyUnit.objects.bulk_create([PolicyUnit(policy=policy, **u) for u in units])
    except IntegrityError:
        _refuse("policy_number", _("该保险机构的此保单号已录入。"))


def create_policy(*, actor, recognition_id, insurer_id, policy_number, equipment_value, premium, coverage_limit,
                  starts_on, ends_on, units, buyer_id=None, buyer_name="", buyer_uscc="", premium_paid_on=None,
                  renewal_of_id=None, national_compensation=False):
    """Record a policy on units of the enterprise's valid recognition.

    `units`: a list of {serial_number, contract_number, contract_date, delivered_on, application_reward}.
    The buyer is a registered organisation (`buyer_id`) or `buyer_name` + `buyer_uscc` (found by USCC, or
    registered as a new 其他单位).

    Side effects: a Policy and its PolicyUnits; possibly a new Organisation (audited); an audit event.
    """
    recognition = _own_recognition(actor, recognition_id)
    if recognition.status != Recognition.Status.VALID:
        _refuse("recognition", _("该认定已撤销或已过期，不能再录入保单。"))
    policy = Policy(enterprise=recognition.enterprise, recognition=recognition, created_by=actor)
    data = dict(insurer_id=insurer_id, policy_number=policy_number, equipment_value=equipment_value,
                premium=premium, coverage_limit=coverage_limit, starts_on=starts_on, ends_on=ends_on, units=units,
                buyer_id=buyer_id, buyer_name=buyer_name, buyer_uscc=buyer_uscc, premium_paid_on=premium_paid_on,
                renewal_of_id=renewal_of_id, national_compensation=national_compensation)
    with transaction.atomic():
        units = _apply(actor, policy, data)
        _save(policy, units)
        record(action="policy.created", actor=actor, organisation=policy.enterprise, obj=policy,
               after=_snapshot(policy))
    return policy


def update_policy(*, actor, policy_id, **data):
    """Change a policy of the enterprise while no claim under review or decided carries it. Takes the fields of
    create_policy except the recognition; what is not given keeps its value (units: the whole list replaces).

    Side effects: the Policy and its units; possibly a new buyer Organisation; an audit event (before/after).
    """
    unknown = set(data) - {"insurer_id", "policy_number", "equipment_value", "premium", "coverage_limit", "starts_on",
                           "ends_on", "units", "buyer_id", "buyer_name", "buyer_uscc", "premium_paid_on",
                           "renewal_of_id", "national_compensation"}
    if unknown:
        raise ValidationError({k: _("不能设置该字段。") for k in unknown})
    with transaction.atomic():
        enterprises = [o.pk for o in roles_of(actor).organisations(R.ENTERPRISE)]
        policy = (Policy.objects.select_for_update(of=("self",)).select_related("recognition", "enterprise")
                  .filter(pk=policy_id, enterprise_id__in=enterprises).first())
        if policy is None:
            if policies_visible_to(actor).filter(pk=policy_id).exists():
                raise PermissionDenied(_("只有投保企业可以修改保单。"))
            raise Http404
        if policy.recognition.status == Recognition.Status.REVOKED:
            raise PermissionDenied(_("该认定已撤销，保单不能再修改。"))
        if policy.claims.filter(state__in=LOCKED_CLAIM_STATES).exists():
            raise PermissionDenied(_("该保单已随补偿申请提交审核，不能再修改。"))
        before = _snapshot(policy)
        current = {
            "insurer_id": policy.insurer_id, "policy_number": policy.policy_number,
            "equipment_value": policy.equipment_value, "premium": policy.premium,
            "coverage_limit": policy.coverage_limit, "starts_on": policy.starts_on, "ends_on": policy.ends_on,
            "premium_paid_on": policy.premium_paid_on, "renewal_of_id": policy.renewal_of_id,
            "national_compensation": policy.national_compensation, "buyer_id": policy.buyer_id,
            "units": [{k: u[k] for k in ("serial_number", "contract_number", "contract_date", "delivered_on",
                                         "application_reward")} for u in before["units"]],
        }
        if "buyer_name" in data or "buyer_uscc" in data:
            current["buyer_id"] = None
        units = _apply(actor, policy, {**current, **data})
        _save(policy, units)
        after = _snapshot(policy)
        if after != before:
            record(action="policy.updated", actor=actor, organisation=policy.enterprise, obj=policy, before=before,
                   after=after)
    return policy
