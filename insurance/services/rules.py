"""Compensation rule sets: one current version per year (or per year and batch), never edited in place.

A change writes a new version and moves the current flag to it; the old version stays, so a claim keeps the
version it was computed and approved with (insurance/services/computation.py).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import Membership
from accounts.roles import acting_organisation, roles_of
from audit.services import record, snapshot

from ..models import RuleSet

RULE_FIELDS = [
    "window_start", "window_end", "rate_cap", "ratio_international", "ratio_domestic", "ratio_provincial",
    "yearly_step", "yearly_cap", "max_years", "first_units", "first_batch_months", "first_batch_max_units",
    "component_months", "exclude_national", "exclude_application_reward",
]
RATIO_FIELDS = ["rate_cap", "ratio_international", "ratio_domestic", "ratio_provincial", "yearly_step"]
COUNT_FIELDS = ["first_units", "first_batch_months", "first_batch_max_units", "component_months"]
EDITABLE = [*RULE_FIELDS, "note"]


def require_province_staff(actor):
    if not (actor.is_authenticated and (roles_of(actor).has(Membership.Role.PROVINCE_STAFF) or actor.is_superuser)):
        raise PermissionDenied(_("只有省经信厅工作人员可以维护补偿规则。"))
    return acting_organisation(actor, Membership.Role.PROVINCE_STAFF)


def current_rule_set(year, batch=None):
    """The current version for the batch when it has its own, else the current version for the whole year;
    None when the year has none. `batch` is a Batch or its id."""
    batch_id = getattr(batch, "pk", batch)
    candidates = RuleSet.objects.filter(year=year, current=True)
    if batch_id is not None:
        found = candidates.filter(batch_id=batch_id).first()
        if found:
            return found
    return candidates.filter(batch__isnull=True).first()


def _validate(rs):
    """Field errors in Chinese: ratios 0–1, window order, caps ≥ 0, max_years 1–10, counts ≥ 1. The model's own
    field cleaning runs first (it turns submitted text into dates and Decimals)."""
    errors = {}
    try:
        rs.clean_fields(exclude=["batch", "created_by", "version", "current"])
    except ValidationError as exc:
        errors.update(exc.message_dict)

    def clean(name):
        return name not in errors and getattr(rs, name) is not None

    for name in RATIO_FIELDS:
        if name in errors or (clean(name) and not 0 <= getattr(rs, name) <= 1):
            errors[name] = [_("%(label)s须为0至1之间的数。") % {"label": RuleSet._meta.get_field(name).verbose_name}]
    if clean("yearly_cap") and rs.yearly_cap < 0:
        errors["yearly_cap"] = [_("每年补偿上限不能为负数。")]
    if "max_years" in errors or (clean("max_years") and not 1 <= rs.max_years <= 10):
        errors["max_years"] = [_("最长补偿年限须在1至10年之间。")]
    for name in COUNT_FIELDS:
        if clean(name) and getattr(rs, name) < 1:
            errors[name] = [_("%(label)s须为正整数。") % {"label": RuleSet._meta.get_field(name).verbose_name}]
    if clean("window_start") and clean("window_end") and rs.window_end < rs.window_start:
        errors["window_end"] = [_("起保日期期间的结束日期不能早于开始日期。")]
    if errors:
        raise ValidationError(errors)


def create_rule_set(*, actor, year, batch=None, **values):
    """The year's (or the batch's) rule set, version 1, with the model defaults and the window the whole
    calendar year unless given. Idempotent: returns the current version when there is one.

    Side effects: one audit event (insurance.rule_set_created).
    """
    org = require_province_staff(actor)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("该项不可设置。") for name in unknown})
    with transaction.atomic():
        existing = RuleSet.objects.select_for_update().filter(year=year, batch=batch, current=True).first()
        if existing:
            return existing
        values.setdefault("window_start", dt.date(year, 1, 1))
        values.setdefault("window_end", dt.date(year, 12, 31))
        version = (RuleSet.objects.filter(year=year, batch=batch).aggregate(m=Max("version"))["m"] or 0) + 1
        rs = RuleSet(year=year, batch=batch, version=version, current=True, created_by=actor, **values)
        _validate(rs)
        rs.save()
        rs.refresh_from_db()
        record(action="insurance.rule_set_created", actor=actor, organisation=org, obj=rs,
               after=snapshot(rs, ["year", "batch", "version", *EDITABLE]))
    return rs


def update_rule_set(actor, rule_set_id, **changes):
    """A new version of the rule set with `changes` applied; the old version is kept and stops being current.
    Only the current version can be changed (an edit made on an older page is refused, not merged).

    Side effects: locks the rule set's row; one audit event (insurance.rule_set_changed) with before and after.
    Claims are not recomputed here: open claims take the new version at their next computation, approved and
    payable ones keep the version they were approved with.
    """
    org = require_province_staff(actor)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("该项不可修改。") for name in unknown})
    with transaction.atomic():
        old = RuleSet.objects.select_for_update().get(pk=rule_set_id)
        if not old.current:
            raise ValidationError(_("该规则已有更新的版本，请在现行版本上修改。"))
        new = RuleSet(year=old.year, batch_id=old.batch_id, created_by=actor, current=True,
                      **{name: getattr(old, name) for name in RULE_FIELDS})
        for name, value in changes.items():
            setattr(new, name, value)
        _validate(new)
        new.version = (RuleSet.objects.filter(year=old.year, batch_id=old.batch_id)
                       .aggregate(m=Max("version"))["m"]) + 1
        RuleSet.objects.filter(pk=old.pk).update(current=False)
        new.save()
        new.refresh_from_db()  # the stored values (0.03 → 0.0300), as the old version's snapshot has them
        record(action="insurance.rule_set_changed", actor=actor, organisation=org, obj=new,
               before=snapshot(old, ["version", *EDITABLE]), after=snapshot(new, ["version", *EDITABLE]))
    return new
