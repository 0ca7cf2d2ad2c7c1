"""申报 pages: the list per role, the form with autosave and attachments, the detail with its actions."""

from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Region
from accounts.roles import roles_of
from accounts.rules import is_bureau_staff

from .. import workflow
from ..forms import ApplicationFilterForm, ApplicationForm, AttachmentForm, DecisionForm, WithdrawForm
from ..models import Batch
from ..queries import applications_visible_to, as_submitted_for, batches_visible_to, is_id
from ..rules import available_actions
from ..services import applications as services
from ._common import apply_errors, error_list, is_applicant_view, state_label

ENTERPRISE_ACTIONS = {"submit", "resubmit", "withdraw"}
PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _open_batches(user):
    now = timezone.now()
    return list(batches_visible_to(user).filter(state=Batch.State.OPEN, opens_at__lte=now, closes_at__gt=now)
                .order_by("closes_at"))


def _filter_regions(user):
    """The cities and counties a user may filter by: their own scope for local bureaus, all for the province."""
    roles = roles_of(user)
    cities = Region.objects.filter(level=Region.Level.CITY)
    counties = Region.objects.filter(level=Region.Level.COUNTY).select_related("parent")
    if not (roles.is_province or user.is_superuser):
        ids = roles.region_ids_in_scope()
        counties = counties.filter(pk__in=ids)
        cities = cities.filter(pk__in=ids | set(counties.values_list("parent_id", flat=True)))
    return list(cities.order_by("sort_order", "code")), list(counties.order_by("parent__sort_order", "sort_order"))


@login_required
def application_list(request):
    roles = roles_of(request.user)
    applicant = is_applicant_view(request.user)
    if not (roles.has("enterprise", "county_staff", "city_staff", "province_staff") or roles.is_province
            or request.user.is_superuser):
        raise PermissionDenied
    form, qs = _filtered(request, applicant)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for app in page.object_list:
        app.state_text = state_label(app, applicant)
        app.shown_state = workflow.applicant_state(app.state) if applicant else app.state
    return render(request, "certification/application_list.html", {
        "form": form, "page": page, "applicant": applicant,
        "open_batches": _open_batches(request.user) if roles.has("enterprise") else [],
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "sort")),
        "can_export": not applicant and is_bureau_staff(request.user),
    })


def _filtered(request, applicant):
    cities, counties = ([], []) if applicant else _filter_regions(request.user)
    labels = workflow.APPLICANT_LABELS if applicant else None
    form = ApplicationFilterForm(request.GET or None, batches=batches_visible_to(request.user).order_by("-year"),
                                 state_labels=labels, cities=cities, counties=counties, applicant=applicant)
    # An enterprise's drafts have no submission time: it sorts by last change, bureaus by submission.
    qs = form.apply(applications_visible_to(request.user), default_sort="-updated" if applicant else "-submitted")
    return form, qs


@login_required
def application_export(request):
    """The list as it is filtered and sorted now, as an Excel workbook (bureau staff)."""
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    from ..exports import applications_workbook

    form, qs = _filtered(request, applicant=False)
    if form.refused():
        return HttpResponseBadRequest(_("筛选条件有误：%(e)s") % {"e": "; ".join(
            f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items() if k in form.fields)},
            content_type="text/plain; charset=utf-8")
    response = HttpResponse(applications_workbook(qs), content_type=XLSX)
    name = _("申报清单") + timezone.localdate().strftime("%Y%m%d") + ".xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"applications.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


def _enterprise_of(user):
    orgs = roles_of(user).organisations("enterprise")
    if not orgs:
        raise PermissionDenied(_("只有企业用户可以申报。"))
    return orgs[0]


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request):
    enterprise = _enterprise_of(request.user)
    batch_id = request.GET.get("batch", "")
    if not is_id(batch_id):
        raise Http404
    batch = get_object_or_404(batches_visible_to(request.user), pk=batch_id)
    if batch not in _open_batches(request.user):
        messages.error(request, _("该批次当前不受理申报。"))
        return redirect("batch_detail", pk=batch.pk)
    form = ApplicationForm(request.POST or None, batch=batch)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.create_application(
                actor=request.user, batch_id=batch.pk, enterprise_id=enterprise.pk,
                commitment=bool(form.cleaned_data["commitment"]), **form.draft_fields(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您不能以该单位名义申报。"))
        else:
            messages.success(request, _("草稿已保存。请继续填写并上传附件，完成后提交。"))
            return redirect("application_edit", pk=app.pk)
    return render(request, "certification/application_form.html", {
        "form": form, "batch": batch, "app": None, "enterprise": enterprise,
        "indicators": form.indicators or [{}], "ip_items": form.ip_items or [{}],
    })


def _editable(request, pk):
    app = get_object_or_404(applications_visible_to(request.user), pk=pk)
    if not request.user.has_perm("certification.edit_application", app):
        return app, False
    return app, True


def _edit_page(request, app, form, *, upload_form=None, submit_errors=None, status=200):
    return render(request, "certification/application_form.html", {
        "form": form, "batch": app.batch, "app": app, "enterprise": app.enterprise,
        "indicators": (form.indicators if form.is_bound else app.indicators) or [{}],
        "ip_items": (form.ip_items if form.is_bound else app.ip_items) or [{}],
        "attachments": app.attachments.filter(removed_at__isnull=True).select_related("uploaded_by"),
        "upload_form": upload_form or AttachmentForm(application=app),
        "requirements": _requirements(app),
        "submit_errors": submit_errors,
        "submit_action": "resubmit" if app.state == "returned" else "submit",
        "last_return": app.decisions.filter(kind="return").order_by("-created_at").first()
        if app.state == "returned" else None,
    }, status=status)


def _requirements(app):
    """The batch's attachment rules for the application's category, with how many of each are uploaded."""
    from ..catalogue import AttachmentType

    rules = app.batch.attachment_requirements.get(app.category or "", {})
    counts = {}
    for a in app.attachments.filter(removed_at__isnull=True).only("type"):
        counts[a.type] = counts.get(a.type, 0) + 1
    return [
        {"code": code, "label": AttachmentType(code).label, "required": rule.get("required"),
         "formats": rule.get("formats", []), "max_mb": rule.get("max_mb"), "max_count": rule.get("max_count"),
         "count": counts.get(code, 0)}
        for code, rule in rules.items() if code in AttachmentType.values
    ]


def _submit(request, app):
    """Submit or resubmit; the completeness errors come back as a list."""
    action = "resubmit" if app.state == "returned" else "submit"
    try:
        if action == "resubmit":
            app = services.resubmit(actor=request.user, application_id=app.pk)
            messages.success(request, _("补正材料已重新提交。"))
        else:
            app = services.submit(actor=request.user, application_id=app.pk)
            messages.success(request, _("申报已提交，受理编号 %(n)s。") % {"n": app.number})
    except ValidationError as exc:
        return None, error_list(exc)
    return app, None


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    app, editable = _editable(request, pk)
    if not editable:
        messages.info(request, _("当前状态不能修改申报书。"))
        return redirect("application_detail", pk=app.pk)
    if request.method == "GET":
        return _edit_page(request, app, ApplicationForm(initial=ApplicationForm.initial_for(app), batch=app.batch))
    form = ApplicationForm(request.POST, batch=app.batch)
    if form.is_valid():
        try:
            app = services.update_draft(actor=request.user, application_id=app.pk,
                                        commitment=form.commitment_change(app), **form.draft_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if "_submit" in request.POST:
                submitted, errors = _submit(request, app)
                if submitted:
                    return redirect("application_detail", pk=app.pk)
                return _edit_page(request, app, form, submit_errors=errors, status=400)
            messages.success(request, _("草稿已保存。"))
            return redirect("application_edit", pk=app.pk)
    return _edit_page(request, app, form, status=400)


@login_required
@require_POST
def application_autosave(request, pk):
    """htmx: save the draft as the user types; answers with the status line only."""
    app = get_object_or_404(applications_visible_to(request.user), pk=pk)
    form = ApplicationForm(request.POST, batch=app.batch)
    errors = []
    if form.is_valid():
        try:
            services.update_draft(actor=request.user, application_id=app.pk,
                                  commitment=form.commitment_change(app), **form.draft_fields())
        except ValidationError as exc:
            errors = error_list(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
    else:
        errors = [f"{form.fields[f].label if f in form.fields else ''}：{e}" for f, es in form.errors.items() for e in es]
    return render(request, "certification/_autosave_status.html", {
        "errors": errors, "saved_at": timezone.localtime() if not errors else None,
    })


@login_required
@require_POST
def attachment_upload(request, pk):
    app, editable = _editable(request, pk)
    if not editable:
        raise PermissionDenied(_("当前状态不能修改申报书。"))
    upload_form = AttachmentForm(request.POST, request.FILES, application=app)
    if upload_form.is_valid():
        from ..services.attachments import upload_attachment

        try:
            attachment = upload_attachment(actor=request.user, application_id=app.pk,
                                           type=upload_form.cleaned_data["type"],
                                           uploaded_file=upload_form.cleaned_data["file"])
        except ValidationError as exc:
            apply_errors(upload_form, exc)
        else:
            messages.success(request, _("附件已上传：%(name)s") % {"name": attachment.name})
            return redirect(f"{_edit_url(app)}#attachments")
    form = ApplicationForm(initial=ApplicationForm.initial_for(app), batch=app.batch)
    return _edit_page(request, app, form, upload_form=upload_form, status=400)


def _edit_url(app):
    from django.urls import reverse

    return reverse("application_edit", args=[app.pk])


@login_required
@require_POST
def attachment_remove(request, pk, attachment_pk):
    app, editable = _editable(request, pk)
    attachment = get_object_or_404(app.attachments.filter(removed_at__isnull=True), pk=attachment_pk)
    from ..services.attachments import remove_attachment

    try:
        remove_attachment(actor=request.user, attachment_id=attachment.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("附件已移除：%(name)s") % {"name": attachment.name})
    return redirect(f"{_edit_url(app)}#attachments")


def _detail_page(request, app, *, decision_form=None, withdraw_form=None, submit_errors=None, status=200):
    applicant = is_applicant_view(request.user, app)
    actions = available_actions(app, request.user)
    own = [a for a in actions if a.code in ENTERPRISE_ACTIONS]
    bureau = [a for a in actions if a.code not in ENTERPRISE_ACTIONS]
    formal = any(a.code.startswith("formal_") for a in bureau)
    if bureau and decision_form is None:
        decision_form = DecisionForm(formal=formal)
    revisions = list(app.revisions.select_related("submitted_by").order_by("number"))
    decisions = list(app.decisions.select_related("actor", "organisation", "revision"))
    shown, submitted_ids = as_submitted_for(app, request.user)
    attachments = app.attachments.filter(removed_at__isnull=True) if submitted_ids is None else (
        app.attachments.filter(pk__in=submitted_ids))
    return render(request, "certification/application_detail.html", {
        "app": shown, "applicant": applicant, "state_text": state_label(app, applicant),
        "state_code": workflow.applicant_state(app.state) if applicant else app.state,
        "own_actions": own, "bureau_actions": bureau, "decision_form": decision_form if bureau else None,
        "withdraw_form": withdraw_form or WithdrawForm(), "submit_errors": submit_errors,
        "attachments": attachments.select_related("uploaded_by"),
        "revisions": revisions, "latest_revision": revisions[-1] if revisions else None,
        "decisions": decisions,
        "can_edit": request.user.has_perm("certification.edit_application", app),
        # Large amounts are shown in 万元 (house style); the record keeps yuan.
        "price_wan": None if shown.first_sale_price is None
        else (shown.first_sale_price / Decimal(10000)).quantize(Decimal("0.01")),
    }, status=status)


@login_required
def application_detail(request, pk):
    app = get_object_or_404(applications_visible_to(request.user), pk=pk)
    return _detail_page(request, app)


@login_required
@require_POST
def application_action(request, pk):
    """One button of available_actions: the enterprise's submit / resubmit / withdraw or a bureau's decision."""
    app = get_object_or_404(applications_visible_to(request.user), pk=pk)
    code = request.POST.get("action", "")
    allowed = {a.code for a in available_actions(app, request.user)}
    if code not in allowed:
        messages.error(request, _("您当前不能对该申报执行此操作。"))
        return redirect("application_detail", pk=app.pk)
    if code in ("submit", "resubmit"):
        submitted, errors = _submit(request, app)
        if submitted:
            return redirect("application_detail", pk=app.pk)
        return _detail_page(request, app, submit_errors=errors, status=400)
    if code == "withdraw":
        form = WithdrawForm(request.POST)
        if form.is_valid():
            services.withdraw(actor=request.user, application_id=app.pk, reason=form.cleaned_data["reason"])
            messages.success(request, _("申报已撤回。"))
            return redirect("application_detail", pk=app.pk)
        return _detail_page(request, app, withdraw_form=form, status=400)
    form = DecisionForm(request.POST, formal=code.startswith("formal_"))
    if form.is_valid():
        try:
            services.decide(actor=request.user, application_id=app.pk, action=code,
                            opinion=form.cleaned_data["opinion"], items=form.decision_items())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            label = workflow.ACTIONS[code].label
            messages.success(request, _("已提交审核意见：%(action)s。") % {"action": label})
            return redirect("application_detail", pk=app.pk)
    return _detail_page(request, app, decision_form=form, status=400)


@login_required
def revision_diff(request, pk, number):
    """What changed in revision `number` against the one before it."""
    app = get_object_or_404(applications_visible_to(request.user), pk=pk)
    new = get_object_or_404(app.revisions, number=number)
    old = app.revisions.filter(number__lt=number).order_by("-number").first()
    if old is None:
        raise Http404
    from ..diff import diff_revisions

    changes = diff_revisions(old, new)
    return render(request, "certification/revision_diff.html", {
        "app": app, "old": old, "new": new, "changes": changes,
    })

