"""Staff page of who reviews what: per application its experts, manual additions and removals, top-ups."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import ExpertProfile, User
from certification.models import Application

from ..forms import AddAssignmentForm, AssignmentFilterForm, RemoveAssignmentForm
from ..models import Assignment, ExpertConflict
from ..services import assignments as services
from ._common import add_service_errors, messages_of, staff_only, staff_round
from .rounds import IN_REVIEW

PAGE_SIZE = 20


def _applications(rr, form):
    qs = (
        Application.objects.filter(batch_id=rr.batch_id, state__in=IN_REVIEW).select_related("enterprise")
        .annotate(active=Count("assignments", filter=Q(assignments__state__in=Assignment.ACTIVE)))
    )
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("application"):
        qs = qs.filter(pk=data["application"])
    if data.get("q"):
        q = data["q"].strip()
        qs = qs.filter(Q(number__contains=q) | Q(product_name__contains=q) | Q(enterprise__name__contains=q))
    if data.get("expert"):
        qs = qs.filter(pk__in=Assignment.objects.filter(round=rr, expert_id=data["expert"]).values("application_id"))
    state = data.get("state")
    if state == "short":
        qs = qs.filter(active__lt=rr.experts_per_application)
    elif state:
        qs = qs.filter(pk__in=Assignment.objects.filter(round=rr, state=state).values("application_id"))
    return qs.order_by("number", "id")


def _pool():
    """Every active expert in the pool, once per page: (id, name, username, employer id, employer, fields)."""
    return list(
        ExpertProfile.objects.filter(active=True, user__is_active=True)
        .values_list("user_id", "user__display_name", "user__username", "employer_id", "employer__name", "fields")
        .order_by("user__display_name", "user_id")
    )


def assignments_page(request, rr, *, form=None, add_forms=None, remove_forms=None, status=200):
    form = form or AssignmentFilterForm(request.GET or None, experts=_round_experts(rr))
    page = Paginator(_applications(rr, form), PAGE_SIZE).get_page(request.GET.get("page"))
    apps = list(page.object_list)
    rows = list(
        Assignment.objects.filter(application__in=apps)
        .select_related("expert__expert_profile__employer", "sheet").order_by("application_id", "created_at", "id")
    )
    by_app = {}
    for a in rows:
        by_app.setdefault(a.application_id, []).append(a)
    pool = _pool()
    conflicts = set(
        ExpertConflict.objects.filter(organisation_id__in={a.enterprise_id for a in apps})
        .values_list("expert_id", "organisation_id")
    )
    load = dict(
        Assignment.objects.filter(round=rr, state__in=Assignment.ACTIVE).values("expert_id")
        .annotate(n=Count("id")).values_list("expert_id", "n")
    )
    add_forms, remove_forms = add_forms or {}, remove_forms or {}
    for app in apps:
        app.rows = by_app.get(app.pk, [])
        past = {a.expert_id for a in app.rows}
        choices = [
            (uid, _("%(name)s（%(employer)s，本轮已分配 %(n)d 项）") % {
                "name": name or username, "employer": employer, "n": load.get(uid, 0)})
            for uid, name, username, employer_id, employer, fields in pool
            if app.field in (fields or ()) and employer_id != app.enterprise_id
            and (uid, app.enterprise_id) not in conflicts and uid not in past
        ]
        app.add_form = add_forms.get(app.pk) or AddAssignmentForm(choices=choices, prefix=f"add{app.pk}")
        app.add_form.fields["expert"].choices = [("", _("请选择"))] + choices
        app.short = max(rr.experts_per_application - app.active, 0)
        for a in app.rows:
            a.remove_form = remove_forms.get(a.pk) or RemoveAssignmentForm(prefix=f"rm{a.pk}")
    return render(request, "review/assignments.html", {
        "rr": rr, "batch": rr.batch, "form": form, "page": page, "applications": apps,
        "pool": [(username, name, employer) for _uid, name, username, _e, employer, _f in pool],
        "closed": rr.state == rr.State.CLOSED,
    }, status=status)


def _round_experts(rr):
    return list(User.objects.filter(pk__in=Assignment.objects.filter(round=rr).values("expert_id"))
                .order_by("display_name", "id"))


def _back(rr, application_id):
    return redirect(reverse("review_assignments", args=[rr.pk]) + f"?application={application_id}")


def _only(request, rr, application_id):
    return AssignmentFilterForm({"application": application_id}, experts=_round_experts(rr))


@staff_only
def assignment_list(request, pk):
    return assignments_page(request, staff_round(request, pk))


def _round_application(rr, app_pk):
    return get_object_or_404(Application.objects.filter(batch_id=rr.batch_id, state__in=IN_REVIEW), pk=app_pk)


@staff_only
@require_POST
def assignment_add(request, pk, app_pk):
    rr = staff_round(request, pk)
    app = _round_application(rr, app_pk)
    pool = [(p[0], p[1] or p[2]) for p in _pool()]
    form = AddAssignmentForm(request.POST, choices=pool, prefix=f"add{app.pk}")
    if form.is_valid():
        expert = None
        if form.cleaned_data.get("expert"):
            expert = User.objects.filter(pk=form.cleaned_data["expert"]).first()
        else:
            lookup = form.cleaned_data["lookup"].strip()
            expert = User.objects.filter(username=lookup, expert_profile__isnull=False).first()
            if expert is None:
                form.add_error("lookup", _("没有用户名为“%(name)s”的在库专家。") % {"name": lookup})
        if expert is not None:
            try:
                services.add_assignment(actor=request.user, review_round=rr, application=app, expert=expert)
            except ValidationError as exc:
                add_service_errors(form, exc, {"expert": "expert" if form.cleaned_data.get("expert") else "lookup",
                                               "application": None})
            else:
                messages.success(request, _("已为 %(app)s 指定专家 %(expert)s。") % {
                    "app": app.number or app.product_name, "expert": expert})
                return _back(rr, app.pk)
    return assignments_page(request, rr, form=_only(request, rr, app.pk), add_forms={app.pk: form}, status=400)


@staff_only
@require_POST
def assignment_remove(request, pk, assignment_pk):
    rr = staff_round(request, pk)
    assignment = get_object_or_404(Assignment.objects.filter(round=rr), pk=assignment_pk)
    form = RemoveAssignmentForm(request.POST, prefix=f"rm{assignment.pk}")
    if form.is_valid():
        try:
            services.remove_assignment(actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已撤换专家 %(expert)s。") % {"expert": assignment.expert})
            return _back(rr, assignment.application_id)
    return assignments_page(request, rr, form=_only(request, rr, assignment.application_id),
                            remove_forms={assignment.pk: form}, status=400)


@staff_only
@require_POST
def assignment_fill(request, pk, app_pk):
    """自动补足: the planner fills this one application up to the configured number of experts."""
    rr = staff_round(request, pk)
    app = _round_application(rr, app_pk)
    try:
        result = services.auto_assign(actor=request.user, review_round=rr, application_ids=[app.pk])
    except (ValidationError, PermissionDenied) as exc:
        for message in messages_of(exc) if isinstance(exc, ValidationError) else [str(exc)]:
            messages.error(request, message)
        return _back(rr, app.pk)
    if result["created"]:
        messages.success(request, _("已自动补派 %(n)d 名专家。") % {"n": result["created"]})
    elif not result["shortages"]:
        messages.info(request, _("该申报的评审专家已足额，无需补派。"))
    for shortage in result["shortages"]:
        messages.warning(request, shortage["message"])
    return _back(rr, app.pk)


