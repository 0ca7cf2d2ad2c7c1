"""Staff pages of a round's outcome: the panel board, the ranking (and its Excel export), one application's
sheets with reopening, and the proposal (拟认定)."""

from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification.catalogue import Level
from certification.models import Application

from .. import results
from ..exports import results_workbook
from ..forms import ProposalForm, ReopenForm, ResultFilterForm
from ..models import Proposal, ScoreSheet
from ..services import proposals as proposal_services
from ..services import sheets as sheet_services
from ._common import add_service_errors, staff_only, staff_round
from .rounds import IN_REVIEW

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VOTE_LABELS = dict(ScoreSheet.Vote.choices)
OUTCOME_LABELS = dict(Proposal.Outcome.choices)


def _decorate(row):
    row.declared_label = dict(Level.choices).get(row.declared_level, "")
    row.majority_label = VOTE_LABELS.get(row.majority, "")
    row.proposal_label = OUTCOME_LABELS.get(row.proposal, "")
    row.vote_list = [(VOTE_LABELS[v], n) for v, n in row.votes.items()]
    return row


@staff_only
def board(request, pk):
    """Progress per expert, and per panel: applications, sheets, mean score, dispersed, proposals."""
    rr = staff_round(request, pk)
    rows = results.ranking(rr)
    panels = {}
    for row in rows:
        key = row.panel.pk if row.panel else None
        p = panels.setdefault(key, {"panel": row.panel, "applications": 0, "sheets": 0, "pending": 0,
                                    "scored": 0, "score_sum": Decimal(0), "dispersed": 0, "proposed": 0})
        p["applications"] += 1
        p["sheets"] += row.sheets
        p["pending"] += row.pending
        if row.score is not None:
            p["scored"] += 1
            p["score_sum"] += row.score
        p["dispersed"] += int(row.aggregate.dispersed)
        p["proposed"] += int(bool(row.proposal))
    for p in panels.values():
        p["mean"] = (p["score_sum"] / p["scored"]).quantize(Decimal("0.01")) if p["scored"] else None
    return render(request, "review/board.html", {
        "rr": rr, "batch": rr.batch, "experts": results.board(rr), "panels": list(panels.values()),
        "progress": results.progress(rr),
    })


def _ranked(request, rr):
    panels = list(rr.panels.all())
    form = ResultFilterForm(request.GET or None, panels=panels)
    data = form.cleaned_data if form.is_valid() else {}
    panel = next((p for p in panels if p.pk == data.get("panel")), None)
    return form, results.ranking(rr, panel=panel, q=(data.get("q") or "").strip())


@staff_only
def result_list(request, pk):
    rr = staff_round(request, pk)
    form, rows = _ranked(request, rr)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        _decorate(row)
    return render(request, "review/results.html", {
        "rr": rr, "batch": rr.batch, "form": form, "page": page, "vote_labels": list(VOTE_LABELS.values()),
    })


@staff_only
def result_export(request, pk):
    rr = staff_round(request, pk)
    _form, rows = _ranked(request, rr)
    response = HttpResponse(results_workbook(rows), content_type=XLSX)
    name = _("专家评审结果") + timezone.localdate().strftime("%Y%m%d") + ".xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"review-results.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


def _application(rr, app_pk):
    return get_object_or_404(Application.objects.filter(batch_id=rr.batch_id, state__in=IN_REVIEW)
                             .select_related("enterprise", "batch"), pk=app_pk)


def result_page(request, rr, app, *, proposal_form=None, reopen_forms=None, status=200):
    row = results.application_result(rr, app.pk)
    if row is not None:
        _decorate(row)
    criteria = list(rr.criteria.all())
    sheets = results.sheets_of(app.pk)
    reopen_forms = reopen_forms or {}
    for sheet in sheets:
        sheet.score_list = [(c, (sheet.scores or {}).get(str(c.pk), "")) for c in criteria]
        sheet.reopen_form = reopen_forms.get(sheet.pk) or ReopenForm(prefix=f"reopen{sheet.pk}")
        sheet.vote_label = VOTE_LABELS.get(sheet.level_vote, "")
    proposal = Proposal.objects.filter(application=app).select_related("decided_by").first()
    if proposal_form is None:
        proposal_form = ProposalForm(initial={"outcome": proposal.outcome, "reason": proposal.reason}
                                     if proposal else {"outcome": app.declared_level})
    return render(request, "review/application_result.html", {
        "rr": rr, "batch": rr.batch, "app": app, "row": row, "criteria": criteria, "sheets": sheets,
        "proposal": proposal, "proposal_form": proposal_form, "can_reopen": rr.state == rr.State.STARTED and rr.deadline > timezone.now(),
        "declared_label": dict(Level.choices).get(app.declared_level, ""),
        "can_propose": row is not None and row.sheets >= rr.experts_per_application and not row.pending and rr.state != rr.State.SETUP,
    }, status=status)


@staff_only
def application_result(request, pk, app_pk):
    rr = staff_round(request, pk)
    return result_page(request, rr, _application(rr, app_pk))


@staff_only
@require_POST
def sheet_reopen(request, pk, sheet_pk):
    rr = staff_round(request, pk)
    sheet = get_object_or_404(ScoreSheet.objects.filter(assignment__round=rr), pk=sheet_pk)
    app = _application(rr, sheet.application_id)
    form = ReopenForm(request.POST, prefix=f"reopen{sheet.pk}")
    if form.is_valid():
        try:
            sheet_services.reopen(actor=request.user, sheet_id=sheet.pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("评分表已退回专家修改，并已通知该专家。"))
            return redirect("review_application_result", pk=rr.pk, app_pk=app.pk)
    return result_page(request, rr, app, reopen_forms={sheet.pk: form}, status=400)


@staff_only
@require_POST
def proposal_record(request, pk, app_pk):
    rr = staff_round(request, pk)
    app = _application(rr, app_pk)
    form = ProposalForm(request.POST)
    if form.is_valid():
        try:
            proposal_services.record_proposal(actor=request.user, application_id=app.pk,
                                              outcome=form.cleaned_data["outcome"],
                                              reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("拟认定意见已保存：%(outcome)s。") % {
                "outcome": OUTCOME_LABELS[form.cleaned_data["outcome"]]})
            return redirect(reverse("review_application_result", args=[rr.pk, app.pk]))
    return result_page(request, rr, app, proposal_form=form, status=400)


