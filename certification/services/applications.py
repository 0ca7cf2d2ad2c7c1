"""Writes to applications: drafts, submission with a receipt number, the recommendation chain with quotas,
formal review, return for correction, resubmission and withdrawal. One service per transition."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organisation, User
from accounts.roles import acting_organisation, roles_of
from audit.services import record, snapshot
from notifications.services import notify

from .. import workflow
from ..catalogue import Category
from ..models import DATA_FIELDS, Application, ApplicationRevision, Batch, BatchQuota, Decision, Stage, State
from ..queries import applications_visible_to, quota_used
from ..rules import can_take

AUDIT_FIELDS = ["number", "state", "returned_stage", *DATA_FIELDS]
INDICATOR_KEYS = ["indicator", "our_value", "domestic_best", "foreign_best", "source"]
IP_KEYS = ["kind", "number", "title"]


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def _lock(actor, application_id):
    """The application row, locked, if the actor can see it; 404 otherwise (existence must not leak)."""
    app = (
        applications_visible_to(actor).select_for_update(of=("self",)).filter(pk=application_id).first()
    )
    if app is None:
        raise Http404
    return app


def _clean_rows(rows, keys, field):
    if rows in (None, ""):
        return []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationError({field: _("格式错误：应为表格行的列表。")})
    cleaned = []
    for row in rows:
        item = {k: str(row.get(k, "") or "").strip()[:300] for k in keys}
        if any(item.values()):
            cleaned.append(item)
    return cleaned


def _apply_fields(app, fields):
    unknown = set(fields) - set(DATA_FIELDS)
    if unknown:
        raise ValidationError({k: _("不能设置该字段。") for k in unknown})
    for key, value in fields.items():
        if key == "indicators":
            value = _clean_rows(value, INDICATOR_KEYS, key)
        elif key == "ip_items":
            value = _clean_rows(value, IP_KEYS, key)
        elif isinstance(value, str):
            value = value.strip()
        setattr(app, key, value)
    if app.category and app.category != Category.EQUIPMENT:
        app.equipment_form = ""
    # Constraints are checked here by hand so the duplicate-product refusal names product_name (full_clean
    # would report it as a nameless "constraint is invalid"); the database constraint still guards races.
    app.full_clean(exclude=["number"], validate_constraints=False)
    duplicate = (
        Application.objects.filter(batch_id=app.batch_id, enterprise_id=app.enterprise_id,
                                   product_name=app.product_name, model_spec=app.model_spec)
        .exclude(state=State.WITHDRAWN).exclude(pk=app.pk)
    )
    if duplicate.exists():
        raise ValidationError({"product_name": _("本批次已有同一产品（名称和型号相同）的申报。")})


def _county_step(region):
    """Whether the region has a county industry bureau: then the county recommends before the city."""
    return Organisation.objects.filter(
        kind=Organisation.Kind.BUREAU, bureau_level="county", department="industry", region=region,
        status=Organisation.Status.APPROVED,
    ).exists()


def create_application(*, actor, batch_id, enterprise_id, commitment=False, **fields):
    """Start a draft for an approved enterprise in an open batch.

    Side effects: an Application (draft); an audit event.
    """
    enterprise = Organisation.objects.filter(pk=enterprise_id).select_related("region__parent").first()
    if enterprise is None or not actor.has_perm("certification.apply", enterprise):
        if enterprise is not None and any(o.pk == enterprise.pk for o in roles_of(actor).organisations()):
            raise PermissionDenied(_("企业注册审核通过后才能申报。"))
        raise PermissionDenied(_("您不能以该单位名义申报。"))
    batch = Batch.objects.filter(pk=batch_id, state=Batch.State.OPEN).first()
    if batch is None:
        raise ValidationError({"batch": _("该批次当前不受理申报。")})
    if timezone.now() < batch.opens_at:
        raise ValidationError({"batch": _("申报将于 %(t)s 开始。") % {"t": _local(batch.opens_at)}})
    if timezone.now() >= batch.closes_at:
        raise ValidationError({"batch": _("申报已于 %(t)s 截止。") % {"t": _local(batch.closes_at)}})
    app = Application(batch=batch, enterprise=enterprise, region=enterprise.region, city=enterprise.region.city,
                      county_step=_county_step(enterprise.region), created_by=actor)
    if fields.get("category") and fields["category"] not in batch.categories:
        raise ValidationError({"category": _("本批次不受理该类别。")})
    _apply_fields(app, fields)
    if commitment:
        app.commitment_confirmed_at = timezone.now()
    try:
        with transaction.atomic():
            app.save()
            record(action="application.created", actor=actor, organisation=enterprise, obj=app,
                   after=snapshot(app, AUDIT_FIELDS))
    except IntegrityError:
        raise ValidationError({"product_name": _("本批次已有同一产品（名称和型号相同）的申报。")}) from None
    return app


def update_draft(*, actor, application_id, commitment=None, **fields):
    """Save the enterprise's edits to a draft or a returned application (autosave calls this).

    Side effects: the Application's fields; an audit event with before and after.
    """
    with transaction.atomic():
        app = _lock(actor, application_id)
        if not actor.has_perm("certification.edit_application", app):
            raise PermissionDenied(_("当前状态不能修改申报书。"))
        before = snapshot(app, AUDIT_FIELDS)
        _apply_fields(app, fields)
        if commitment is not None:
            app.commitment_confirmed_at = timezone.now() if commitment else None
        try:
            with transaction.atomic():
                app.save()
        except IntegrityError:
            raise ValidationError({"product_name": _("本批次已有同一产品（名称和型号相同）的申报。")}) from None
        after = snapshot(app, AUDIT_FIELDS)
        if after != before:
            record(action="application.edited", actor=actor, organisation=app.enterprise, obj=app, before=before,
                   after=after)
    return app


def completeness_errors(app):
    """What a submission still lacks: {field: [messages]} (empty when complete)."""
    errors = {}
    required = ["product_name", "model_spec", "category", "declared_level", "field", "innovation_points",
                "first_sale_contract", "first_sale_date", "first_sale_price", "first_sale_buyer"]
    for name in required:
        if getattr(app, name) in (None, ""):
            errors[name] = [_("必填。")]
    if app.category == Category.EQUIPMENT and not app.equipment_form:
        errors["equipment_form"] = [_("装备类须选择整机、成套或零部件。")]
    if app.category and app.category not in app.batch.categories:
        errors["category"] = [_("本批次不受理该类别。")]
    if not app.indicators:
        errors["indicators"] = [_("请至少填写一项关键技术指标，并与国内外同类产品对比。")]
    if app.commitment_confirmed_at is None:
        errors["commitment"] = [_("请阅读并确认承诺书。")]
    requirements = app.batch.attachment_requirements.get(app.category or "", {})
    present = {}
    for a in app.attachments.filter(removed_at__isnull=True):
        present[a.type] = present.get(a.type, 0) + 1
    missing = [t for t, rule in requirements.items() if rule.get("required") and not present.get(t)]
    if missing:
        from ..catalogue import AttachmentType

        labels = "、".join(str(AttachmentType(t).label) for t in missing)
        errors["attachments"] = [_("缺少附件：%(list)s") % {"list": labels}]
    return errors


def _freeze(app, actor):
    """An immutable revision of what is being submitted now."""
    attachments = [
        {"id": a.pk, "type": a.type, "name": a.name, "sha256": a.sha256, "size": a.size}
        for a in app.attachments.filter(removed_at__isnull=True).order_by("type", "pk")
    ]
    data = snapshot(app, DATA_FIELDS)
    data["commitment_confirmed_at"] = app.commitment_confirmed_at.isoformat() if app.commitment_confirmed_at else None
    form = {
        "batch": app.batch_id,
        "categories": app.batch.categories,
        "equipment_forms": app.batch.equipment_forms,
        "attachment_requirements": app.batch.attachment_requirements,
        "fields": DATA_FIELDS,
    }
    last = app.revisions.aggregate(n=Max("number"))["n"] or 0
    return ApplicationRevision.objects.create(application=app, number=last + 1, data=data, attachments=attachments,
                                              form_definition=form, submitted_by=actor)


def _next_number(batch):
    """The next receipt number of the batch (2026-00001 …); the caller holds the batch row lock."""
    last = (
        Application.objects.filter(batch=batch).exclude(number="").order_by("-number").values_list("number", flat=True)
        .first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{batch.year}-{seq:05d}"


def _staff_of(stage, app):
    if stage == Stage.COUNTY:
        qs = User.objects.filter(memberships__role=Membership.Role.COUNTY_STAFF,
                                 memberships__organisation__region_id=app.region_id)
    elif stage == Stage.CITY:
        qs = User.objects.filter(memberships__role=Membership.Role.CITY_STAFF,
                                 memberships__organisation__region_id=app.city_id)
    else:
        qs = User.objects.filter(memberships__role=Membership.Role.PROVINCE_STAFF)
    return list(qs.filter(is_active=True).distinct())


def _enterprise_users(app):
    return list(User.objects.filter(memberships__organisation_id=app.enterprise_id, is_active=True).distinct())


STATE_STAGE = {State.COUNTY_REVIEW: Stage.COUNTY, State.CITY_REVIEW: Stage.CITY, State.FORMAL_REVIEW: Stage.PROVINCE}


def _tell_next(app, subject, body):
    stage = STATE_STAGE.get(app.state)
    if stage:
        notify(recipients=_staff_of(stage, app), kind="application.to_review", subject=subject, body=body,
               link=f"/applications/{app.pk}/")


def submit(*, actor, application_id):
    """Submit a complete draft before the batch closes; it gets its receipt number and goes to the first
    bureau of its chain (county, or city where the region has no county bureau).

    Side effects: a number, a frozen revision, state draft → county_review | city_review; an audit event;
    notifications to the enterprise (receipt) and to the reviewing bureau.
    """
    with transaction.atomic():
        app = _lock(actor, application_id)
        if not can_take(actor, app, "submit"):
            raise PermissionDenied(_("当前状态不能提交。"))
        batch = Batch.objects.select_for_update().get(pk=app.batch_id)
        now = timezone.now()
        if now < batch.opens_at:
            raise ValidationError({"batch": _("申报将于 %(t)s 开始，尚不能提交。") % {"t": _local(batch.opens_at)}})
        if batch.state != Batch.State.OPEN or now >= batch.closes_at:
            raise ValidationError({"batch": _("申报已于 %(t)s 截止，不能再提交。") % {"t": _local(batch.closes_at)}})
        errors = completeness_errors(app)
        if errors:
            raise ValidationError(errors)
        before = snapshot(app, AUDIT_FIELDS)
        app.number = _next_number(batch)
        app.submitted_at = now
        app.submit()
        app.save()
        revision = _freeze(app, actor)
        record(action="application.submitted", actor=actor, organisation=app.enterprise, obj=app, before=before,
               after={**snapshot(app, AUDIT_FIELDS), "revision": revision.number})
        notify(recipients=_enterprise_users(app), kind="application.received",
               subject=_("申报已受理：%(n)s") % {"n": app.number},
               body=_("%(p)s 已提交，受理编号 %(n)s。") % {"p": app.product_name, "n": app.number},
               link=f"/applications/{app.pk}/")
        _tell_next(app, _("新的申报待审核：%(p)s") % {"p": app.product_name},
                   _("%(e)s 的 %(p)s（%(n)s）待您审核推荐。") % {"e": app.enterprise.name, "p": app.product_name,
                                                          "n": app.number})
    return app


def resubmit(*, actor, application_id):
    """Resubmit a corrected application; it returns to the level that returned it.

    Side effects: a new frozen revision, state returned → the returning level's review; an audit event;
    notifications to that level's staff.
    """
    with transaction.atomic():
        app = _lock(actor, application_id)
        if not can_take(actor, app, "resubmit"):
            raise PermissionDenied(_("当前状态不能重新提交。"))
        if app.returned_stage in (Stage.COUNTY, Stage.CITY) and timezone.now() > app.batch.recommend_deadline:
            raise ValidationError({"batch": _("地方推荐已于 %(t)s 截止，不能再提交补正。") % {
                "t": _local(app.batch.recommend_deadline)}})
        errors = completeness_errors(app)
        if errors:
            raise ValidationError(errors)
        before = snapshot(app, AUDIT_FIELDS)
        app.resubmit()
        app.returned_stage = ""
        app.save()
        revision = _freeze(app, actor)
        record(action="application.resubmitted", actor=actor, organisation=app.enterprise, obj=app, before=before,
               after={**snapshot(app, AUDIT_FIELDS), "revision": revision.number})
        _tell_next(app, _("补正后的申报待审核：%(p)s") % {"p": app.product_name},
                   _("%(e)s 已按要求补正 %(p)s（%(n)s），请查看修改对比并审核。") % {
                       "e": app.enterprise.name, "p": app.product_name, "n": app.number})
    return app


DECISIONS = {
    # action: (stage, decision kind, transition method)
    "county_recommend": (Stage.COUNTY, Decision.Kind.RECOMMEND, "county_recommend"),
    "county_return": (Stage.COUNTY, Decision.Kind.RETURN, "return_for_correction"),
    "county_decline": (Stage.COUNTY, Decision.Kind.DECLINE, "decline"),
    "city_recommend": (Stage.CITY, Decision.Kind.RECOMMEND, "city_recommend"),
    "city_return": (Stage.CITY, Decision.Kind.RETURN, "return_for_correction"),
    "city_decline": (Stage.CITY, Decision.Kind.DECLINE, "decline"),
    "formal_pass": (Stage.PROVINCE, Decision.Kind.PASS, "formal_pass"),
    "formal_return": (Stage.PROVINCE, Decision.Kind.RETURN, "return_for_correction"),
    "formal_reject": (Stage.PROVINCE, Decision.Kind.REJECT, "formal_reject"),
}
STAGE_ROLE = {Stage.COUNTY: Membership.Role.COUNTY_STAFF, Stage.CITY: Membership.Role.CITY_STAFF,
              Stage.PROVINCE: Membership.Role.PROVINCE_STAFF}


def _check_quota(app):
    """Lock the city's quota row, then count: two simultaneous recommendations cannot both take the last slot."""
    quota = BatchQuota.objects.select_for_update().filter(batch_id=app.batch_id, city_id=app.city_id).first()
    limit = quota.quota if quota else 0
    used = quota_used(app.batch, app.city)
    if used >= limit:
        raise ValidationError(_("%(city)s 本批次推荐名额（%(n)s 个）已用完。") % {"city": app.city.name, "n": limit})


def decide(*, actor, application_id, action, opinion="", items=None):
    """A bureau's decision at its stage: recommend / pass, return for correction (with the list of what to
    fix), or decline / reject (with a reason). City recommendations count against the city's quota.

    Side effects: a Decision pinned to the latest revision; the state change; an audit event; notifications
    to the enterprise and, when it moves on, to the next level's staff.
    """
    if action not in DECISIONS:
        raise ValidationError({"action": _("未知的操作。")})
    stage, kind, method = DECISIONS[action]
    items = [str(i).strip() for i in (items or []) if str(i).strip()]
    with transaction.atomic():
        app = _lock(actor, application_id)
        if not can_take(actor, app, action):
            raise PermissionDenied(_("您当前不能对该申报执行此操作。"))
        wf_action = workflow.ACTIONS[action]
        if wf_action.needs_reason and not opinion.strip():
            raise ValidationError({"opinion": _("请填写理由。")})
        if kind == Decision.Kind.RETURN and not items:
            raise ValidationError({"items": _("请列出需要补正的事项。")})
        if stage in (Stage.COUNTY, Stage.CITY) and timezone.now() > app.batch.recommend_deadline:
            raise ValidationError({"batch": _("地方推荐已于 %(t)s 截止。") % {"t": _local(app.batch.recommend_deadline)}})
        if action == "city_recommend":
            _check_quota(app)
        before = snapshot(app, AUDIT_FIELDS)
        getattr(app, method)()
        if kind == Decision.Kind.RETURN:
            app.returned_stage = stage
        if action == "city_recommend":
            app.city_recommended_at = timezone.now()
        app.save()
        org = acting_organisation(actor, STAGE_ROLE[stage])
        revision = app.revisions.order_by("-number").first()
        decision = Decision.objects.create(application=app, stage=stage, kind=kind, opinion=opinion.strip(),
                                           items=items, revision=revision, actor=actor, organisation=org)
        record(action=f"application.{action}", actor=actor, organisation=org, obj=app, before=before,
               after={**snapshot(app, AUDIT_FIELDS), "decision": decision.pk, "items": items}, reason=opinion)
        what = {"p": app.product_name, "n": app.number, "org": org.name if org else "", "k": decision.get_kind_display()}
        body = _("%(org)s 对 %(p)s（%(n)s）的意见：%(k)s。") % what
        if opinion:
            body += "\n" + opinion
        if items:
            body += "\n" + _("需补正：") + "；".join(items)
        notify(recipients=_enterprise_users(app), kind="application.decision",
               subject=_("申报审核结果：%(p)s %(k)s") % what, body=body, link=f"/applications/{app.pk}/")
        _tell_next(app, _("新的申报待审核：%(p)s") % what,
                   _("%(p)s（%(n)s）已由 %(org)s 推荐，待您审核。") % what)
    return app


def withdraw(*, actor, application_id, reason=""):
    """The enterprise withdraws its application before expert review; a city recommendation's quota slot frees.

    Side effects: state → withdrawn; an audit event; notification to the bureau that holds it.
    """
    with transaction.atomic():
        app = _lock(actor, application_id)
        if not can_take(actor, app, "withdraw"):
            raise PermissionDenied(_("当前状态不能撤回。"))
        holder = STATE_STAGE.get(app.state)
        before = snapshot(app, AUDIT_FIELDS)
        app.withdraw()
        app.save()
        record(action="application.withdrawn", actor=actor, organisation=app.enterprise, obj=app, before=before,
               after=snapshot(app, AUDIT_FIELDS), reason=reason)
        if holder:
            notify(recipients=_staff_of(holder, app), kind="application.withdrawn",
                   subject=_("申报已撤回：%(p)s") % {"p": app.product_name},
                   body=_("%(e)s 撤回了 %(p)s（%(n)s）。%(r)s") % {"e": app.enterprise.name, "p": app.product_name,
                                                             "n": app.number, "r": reason},
                   link=f"/applications/{app.pk}/")
    return app
