"""Staff pages of a round: the list of batches with their rounds, the round page (settings, rubric, panels,
automatic assignment, start and close)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certification.models import AFTER_SCORING, Batch, State

from .. import results
from ..forms import CriterionForm, CriterionFormSet, PanelForm, PanelFormSet, RoundSettingsForm, plain
from ..models import ReviewRound
from ..services import assignments as assignment_services
from ..services import rounds as services
from ._common import add_service_errors, messages_of, staff_only, staff_round

IN_REVIEW = [State.PASSED, *AFTER_SCORING]
SHORTAGES_SHOWN = 100


def _to(rr, anchor):
    return reverse("review_round", args=[rr.pk]) + "#" + anchor


def _session_key(rr):
    return f"review_assign_result_{rr.pk}"


@staff_only
def round_list(request):
    """Every published batch with its review round (or the button that sets one up)."""
    batches = (
        Batch.objects.exclude(state=Batch.State.DRAFT).select_related("review_round")
        .annotate(in_review=Count("applications", filter=Q(applications__state__in=IN_REVIEW)))
        .order_by("-year", "-opens_at", "-id")
    )
    page = Paginator(batches, 20).get_page(request.GET.get("page"))
    return render(request, "review/round_list.html", {"page": page})


@staff_only
@require_POST
def round_open(request, batch_pk):
    """The batch page's 专家评审 button: set the round up with its defaults, or open the existing one."""
    batch = get_object_or_404(Batch, pk=batch_pk)
    try:
        rr = services.create_round(actor=request.user, batch=batch)
    except ValidationError as exc:
        for message in messages_of(exc):
            messages.error(request, message)
        return redirect("batch_detail", pk=batch.pk)
    return redirect("review_round", pk=rr.pk)


def _criteria_formset(rr, rows=None, add=False):
    rows = rows if rows is not None else [
        {"name": c.name, "description": c.description, "max_points": plain(c.max_points),
         "weight": plain(c.weight)} for c in rr.criteria.all()
    ]
    if add or not rows:
        rows = [*rows, {"weight": "1"}]
    return CriterionFormSet(prefix="criteria", initial=rows)


def _panel_formset(rr, rows=None, add=False):
    rows = rows if rows is not None else [{"name": p.name, "fields": p.fields} for p in rr.panels.all()]
    if add or not rows:
        rows = [*rows, {}]
    return PanelFormSet(prefix="panels", initial=rows)


def round_page(request, rr, *, settings_form=None, criteria_formset=None, panel_formset=None, rubric_errors=(),
               panel_errors=(), status=200):
    rr = ReviewRound.objects.select_related("batch").get(pk=rr.pk)
    editable = rr.state != ReviewRound.State.CLOSED
    settings_form = settings_form or RoundSettingsForm(initial=RoundSettingsForm.initial_for(rr))
    if not editable:
        for field in settings_form.fields.values():
            field.disabled = True
    short = services.understaffed(rr)
    return render(request, "review/round_detail.html", {
        "rr": rr, "batch": rr.batch, "settings_form": settings_form, "editable": editable,
        "rubric_editable": rr.state == ReviewRound.State.SETUP,
        "criteria": list(rr.criteria.all()),
        "criteria_formset": criteria_formset or _criteria_formset(rr),
        "panel_formset": panel_formset or _panel_formset(rr),
        "rubric_errors": rubric_errors, "panel_errors": panel_errors,
        "progress": results.progress(rr), "understaffed": len(short),
        "applications": rr.batch.applications.filter(state__in=IN_REVIEW).count(),
        "assign_result": request.session.pop(_session_key(rr), None) if request.method == "GET" else None,
    }, status=status)


@staff_only
@require_http_methods(["GET", "POST"])
def round_detail(request, pk):
    rr = staff_round(request, pk)
    if request.method == "GET":
        return round_page(request, rr)
    form = RoundSettingsForm(request.POST, initial=RoundSettingsForm.initial_for(rr))
    if form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("评审设置没有变化。"))
            return redirect("review_round", pk=rr.pk)
        try:
            services.update_settings(actor=request.user, review_round=rr, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("评审设置已保存。"))
            return redirect("review_round", pk=rr.pk)
    return round_page(request, rr, settings_form=form, status=400)


def _rows(formset, keys, blank_keys):
    """The filled, not deleted rows of a bound, valid formset, and the index of each row's form."""
    rows, index = [], []
    for i, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        if not any(data.get(k) for k in blank_keys):
            continue
        rows.append({k: data.get(k) for k in keys})
        index.append(i)
    return rows, index


def _row_errors(formset, exc, prefix, index):
    """Service errors keyed <prefix>.<n>.<field> (n counts the rows sent, from 1) go next to that row's field;
    the others are returned to be shown above the table."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    general = []
    for key, errors in exc.message_dict.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit() and 0 < int(parts[1]) <= len(index):
            form = formset.forms[index[int(parts[1]) - 1]]
            form.add_error(parts[2] if parts[2] in form.fields else None, errors)
        else:
            general.extend(errors)
    return general


@staff_only
@require_POST
def round_criteria(request, pk):
    rr = staff_round(request, pk)
    formset = CriterionFormSet(request.POST, prefix="criteria")
    if not formset.is_valid():
        return round_page(request, rr, criteria_formset=formset, status=400)
    rows, index = _rows(formset, CriterionForm.KEYS, ("name", "description", "max_points"))
    if "_add" in request.POST:
        return round_page(request, rr, criteria_formset=_criteria_formset(rr, rows, add=True))
    try:
        services.set_criteria(actor=request.user, review_round=rr, rows=rows)
    except ValidationError as exc:
        errors = _row_errors(formset, exc, "criteria", index)
        return round_page(request, rr, criteria_formset=formset, rubric_errors=errors, status=400)
    messages.success(request, _("评分细则已保存。"))
    return redirect(_to(rr, "rubric"))


@staff_only
@require_POST
def round_panels(request, pk):
    rr = staff_round(request, pk)
    formset = PanelFormSet(request.POST, prefix="panels")
    if not formset.is_valid():
        return round_page(request, rr, panel_formset=formset, status=400)
    rows, index = _rows(formset, PanelForm.KEYS, ("name", "fields"))
    if "_add" in request.POST:
        return round_page(request, rr, panel_formset=_panel_formset(rr, rows, add=True))
    try:
        services.set_panels(actor=request.user, review_round=rr, rows=rows)
    except ValidationError as exc:
        errors = _row_errors(formset, exc, "panels", index)
        return round_page(request, rr, panel_formset=formset, panel_errors=errors, status=400)
    messages.success(request, _("评审组已保存。"))
    return redirect(_to(rr, "panels"))


@staff_only
@require_POST
def round_auto_assign(request, pk):
    rr = staff_round(request, pk)
    try:
        result = assignment_services.auto_assign(actor=request.user, review_round=rr)
    except ValidationError as exc:
        for message in messages_of(exc):
            messages.error(request, message)
        return redirect("review_round", pk=rr.pk)
    shortages = [s["message"] for s in result["shortages"]]
    # Shown once on the next page load (post/redirect/get); a long report is cut, the list page has the rest.
    request.session[_session_key(rr)] = {
        "created": result["created"], "shortages": shortages[:SHORTAGES_SHOWN],
        "more": max(len(shortages) - SHORTAGES_SHOWN, 0),
    }
    return redirect(_to(rr, "assign"))


@staff_only
@require_POST
def round_start(request, pk):
    rr = staff_round(request, pk)
    try:
        services.start_round(actor=request.user, review_round=rr)
    except ValidationError as exc:
        for message in messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("专家评审已开始，已通知评审专家。"))
    return redirect("review_round", pk=rr.pk)


@staff_only
@require_POST
def round_close(request, pk):
    rr = staff_round(request, pk)
    try:
        services.close_round(actor=request.user, review_round=rr)
    except ValidationError as exc:
        for message in messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("专家评审已结束，专家不能再提交评分表。"))
    return redirect("review_round", pk=rr.pk)
