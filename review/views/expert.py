"""The expert's own pages: the dashboard of their assignments, the declaration, the application and their
score sheet. Every read starts from queries.my_assignments / my_sheets: no other expert's sheet, score,
comment or vote is ever loaded here."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import roles_of
from certification.queries import as_submitted_for

from .. import dashboard
from ..forms import DeclarationForm, ScoreSheetForm
from ..models import Assignment, ReviewRound, ScoreSheet
from ..queries import my_assignments, my_sheets, reviewable_applications
from ..services import assignments as assignment_services
from ..services import sheets as sheet_services
from ._common import add_service_errors

VOTE_LABELS = dict(ScoreSheet.Vote.choices)


def _expert_only(user):
    if roles_of(user).expert_profile is None:
        raise Http404


@login_required
def my_review(request):
    _expert_only(request.user)
    rows = list(dashboard.my_assignment_rows(request.user))
    return render(request, "review/my.html", {
        "progress": dashboard.my_progress(request.user), "rows": rows, "now": timezone.now(),
    })


def _own_assignment(request, pk):
    return get_object_or_404(
        my_assignments(request.user).select_related("application__enterprise", "round__batch"), pk=pk)


def _sheet_of(request, assignment):
    return my_sheets(request.user).filter(assignment=assignment).first()


def assignment_page(request, assignment, *, declaration_form=None, sheet_form=None, status=200):
    rr = assignment.round
    context = {"a": assignment, "rr": rr, "app": assignment.application,
               "open": rr.state == ReviewRound.State.STARTED and rr.deadline > timezone.now()}
    if assignment.state == Assignment.State.PENDING:
        context["declaration_form"] = declaration_form or DeclarationForm()
        return render(request, "review/assignment_declare.html", context, status=status)
    # Accepted: the application's content as submitted (reviewable_applications admits it only now).
    app = get_object_or_404(reviewable_applications(request.user), pk=assignment.application_id)
    shown, submitted_ids = as_submitted_for(app, request.user)
    attachments = app.attachments.filter(removed_at__isnull=True) if submitted_ids is None else (
        app.attachments.filter(pk__in=submitted_ids))
    sheet = _sheet_of(request, assignment)
    criteria = list(rr.criteria.all())
    if sheet_form is None:
        sheet_form = ScoreSheetForm(initial=ScoreSheetForm.initial_for(sheet), criteria=criteria)
    context.update({
        "app": shown, "attachments": attachments, "sheet": sheet, "criteria": criteria, "sheet_form": sheet_form,
        "locked": sheet.state == ScoreSheet.State.SUBMITTED,
        "own_scores": [(c, (sheet.scores or {}).get(str(c.pk), "")) for c in criteria],
        "vote_label": VOTE_LABELS.get(sheet.level_vote, ""),
        "price_wan": None if shown.first_sale_price is None
        else (shown.first_sale_price / Decimal(10000)).quantize(Decimal("0.01")),
    })
    return render(request, "review/assignment_review.html", context, status=status)


@login_required
def assignment_detail(request, pk):
    return assignment_page(request, _own_assignment(request, pk))


@login_required
@require_POST
def assignment_declare(request, pk):
    assignment = _own_assignment(request, pk)
    form = DeclarationForm(request.POST)
    if form.is_valid():
        conflict = form.cleaned_data["conflict"]
        try:
            assignment_services.declare(actor=request.user, assignment_id=assignment.pk, conflict=conflict,
                                        reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            if conflict:
                messages.success(request, _("已登记回避，该申报已从您的评审任务中移除，省经信厅将另行安排专家。"))
                return redirect("review_my")
            messages.success(request, _("已声明无利益冲突，现在可以查阅申报材料并评分。"))
            return redirect("review_assignment", pk=assignment.pk)
    return assignment_page(request, assignment, declaration_form=form, status=400)


@login_required
@require_http_methods(["POST"])
def sheet_save(request, pk):
    """保存草稿 (action=draft) or 提交 (action=submit) the expert's own sheet."""
    assignment = _own_assignment(request, pk)
    if assignment.state != Assignment.State.ACCEPTED:
        return redirect("review_assignment", pk=assignment.pk)
    sheet = _sheet_of(request, assignment)
    criteria = list(assignment.round.criteria.all())
    form = ScoreSheetForm(request.POST, criteria=criteria)
    submit = request.POST.get("action") == "submit"
    if form.is_valid():
        d = form.cleaned_data
        try:
            if submit:
                sheet_services.submit(actor=request.user, sheet_id=sheet.pk, scores=form.scores(),
                                      level_vote=d["level_vote"], comment=d["comment"], confirmed=d["confirmed"])
            else:
                sheet_services.save_draft(actor=request.user, sheet_id=sheet.pk, scores=form.scores(),
                                          level_vote=d["level_vote"], comment=d["comment"])
        except ValidationError as exc:
            add_service_errors(form, exc, {f"scores.{c.pk}": f"score_{c.pk}" for c in criteria})
        except PermissionDenied:
            raise Http404 from None
        else:
            if submit:
                messages.success(request, _("评分表已提交并锁定。感谢您的评审！"))
            else:
                messages.success(request, _("草稿已保存。"))
            return redirect("review_assignment", pk=assignment.pk)
    return assignment_page(request, assignment, sheet_form=form, status=400)
