"""Staff pages of notices and objections (province industry staff; anyone else gets 404): the notices and the
batches ready for one, a notice (items with their objection counts, publish, close, PDF), the objections with
filters, one objection with its evidence and the actions."""

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certification.models import Application, Batch, State
from review.queries import is_review_staff

from ..forms_notices import NoticeForm, ObjectionFilterForm, ResolveForm
from ..models import Notice, NoticeItem, Objection
from ..pdf_notice import pdf_filename, render_notice_pdf
from ..services import notices as services
from ..services import objections as objection_services
from ..workdays import calendar_warnings, notice_period, unknown_years_between


def staff_only(view):
    """Province industry staff only; everyone else gets 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_review_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _errors_to_form(form, exc):
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


def _flash(request, exc):
    for message in exc.messages:
        messages.error(request, message)


def batches_ready():
    """Batches with proposed applications not on any notice, and no draft or published notice."""
    waiting = Application.objects.filter(batch=OuterRef("pk"), state=State.PROPOSED).exclude(
        notice_items__state=NoticeItem.State.LISTED)
    active = Notice.objects.filter(batch=OuterRef("pk"), state__in=[Notice.State.DRAFT, Notice.State.PUBLISHED])
    return Batch.objects.filter(Exists(waiting)).exclude(Exists(active)).order_by("-year", "-id")


@staff_only
@require_GET
def notice_list(request):
    notices = (Notice.objects.select_related("batch")
               .annotate(item_count=Count("items", distinct=True),
                         open_objections=Count("items__objections", distinct=True,
                                               filter=Q(items__objections__state__in=Objection.OPEN)))
               .order_by("-created_at", "-id"))
    page = Paginator(notices, 20).get_page(request.GET.get("page"))
    return render(request, "recognition/notice_manage_list.html", {"page": page, "ready": batches_ready()})


def _default_start():
    now = timezone.localtime()
    return (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)


def _form_page(request, form, *, batch, notice=None, status=200):
    preview = None
    if form.is_bound and form.is_valid():
        start, days = form.cleaned_data["starts_at"], form.cleaned_data["working_days"]
    elif not form.is_bound:
        start, days = form.initial.get("starts_at"), form.initial.get("working_days")
    else:
        start = days = None
    if start and days:
        preview = notice_period(start, days)
    return render(request, "recognition/notice_form.html", {
        "form": form, "batch": batch, "notice": notice, "preview": preview,
        "applications": services.proposed_applications(batch) if notice is None else None,
    }, status=status)


@staff_only
@require_http_methods(["GET", "POST"])
def notice_new(request, batch_pk):
    batch = get_object_or_404(Batch, pk=batch_pk)
    if request.method == "GET":
        form = NoticeForm(initial={
            "title": _("%(batch)s拟认定首台（套）产品名单公示") % {"batch": batch.name},
            "starts_at": _default_start(), "working_days": 5,
            "contact": _("受理单位：浙江省经济和信息化厅装备工业处\n联系电话：\n通信地址："),
        })
        return _form_page(request, form, batch=batch)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            notice = services.create_notice(actor=request.user, batch=batch, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("公示草稿已创建，请核对项目后发布。"))
            return redirect("notice_manage_detail", pk=notice.pk)
    return _form_page(request, form, batch=batch, status=400)


@staff_only
@require_http_methods(["GET", "POST"])
def notice_edit(request, pk):
    notice = get_object_or_404(Notice.objects.select_related("batch"), pk=pk)
    if notice.state != Notice.State.DRAFT:
        messages.error(request, _("公示已发布，不能再修改。"))
        return redirect("notice_manage_detail", pk=notice.pk)
    if request.method == "GET":
        return _form_page(request, NoticeForm(initial=NoticeForm.initial_for(notice)), batch=notice.batch,
                          notice=notice)
    form = NoticeForm(request.POST, initial=NoticeForm.initial_for(notice))
    if form.is_valid():
        try:
            services.update_notice(actor=request.user, notice_id=notice.pk, **form.changes(notice))
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("公示草稿已保存，项目已按最新拟认定结果更新。"))
            return redirect("notice_manage_detail", pk=notice.pk)
    return _form_page(request, form, batch=notice.batch, notice=notice, status=400)


@staff_only
@require_GET
def notice_detail(request, pk):
    notice = get_object_or_404(Notice.objects.select_related("batch", "created_by"), pk=pk)
    items = list(notice.items.select_related("application__enterprise").annotate(
        objection_count=Count("objections"),
        open_count=Count("objections", filter=Q(objections__state__in=Objection.OPEN)),
    ).order_by("position", "id"))
    ready = {i.pk for i in objection_services.items_ready_for_recognition(notice)}
    return render(request, "recognition/notice_manage_detail.html", {
        "notice": notice, "items": items, "ready": ready,
        "warnings": calendar_warnings(unknown_years_between(notice.starts_at, notice.ends_at)),
        "actions": services.available_actions(notice, request.user),
        "accepting": objection_services.accepting_objections(notice),
    })


def _transition(request, pk, service, done):
    try:
        service(actor=request.user, notice_id=pk)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, done)
    return redirect("notice_manage_detail", pk=pk)


@staff_only
@require_POST
def notice_refresh(request, pk):
    notice = get_object_or_404(Notice, pk=pk)
    return _transition(request, notice.pk, services.update_notice, _("公示项目已按最新拟认定结果更新。"))


@staff_only
@require_POST
def notice_publish(request, pk):
    notice = get_object_or_404(Notice, pk=pk)
    return _transition(request, notice.pk, services.publish_notice, _("公示已发布。"))


@staff_only
@require_POST
def notice_close(request, pk):
    notice = get_object_or_404(Notice, pk=pk)
    return _transition(request, notice.pk, services.close_notice, _("公示已结束。"))


@staff_only
@require_GET
def notice_pdf(request, pk):
    notice = get_object_or_404(Notice, pk=pk)
    response = HttpResponse(render_notice_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(notice)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def filter_objections(qs, *, notice=None, state="", q=""):
    if notice:
        qs = qs.filter(item__notice_id=notice)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(Q(tracking_number__icontains=q) | Q(name__icontains=q) | Q(organisation__icontains=q)
                       | Q(item__application__product_name__icontains=q)
                       | Q(item__application__enterprise__name__icontains=q))
    return qs


@staff_only
@require_GET
def objection_list(request):
    form = ObjectionFilterForm(request.GET or None)
    qs = objection_services.objections_for_staff(request.user)
    if form.is_bound and form.is_valid():
        qs = filter_objections(qs, **form.cleaned_data)
    page = Paginator(qs.order_by("-created_at", "-id"), 20).get_page(request.GET.get("page"))
    return render(request, "recognition/objection_manage_list.html", {"page": page, "form": form},
                  status=400 if form.is_bound and not form.is_valid() else 200)


def _objection_page(request, objection, form=None, status=200):
    return render(request, "recognition/objection_manage_detail.html", {
        "objection": objection, "form": form or ResolveForm(),
        "actions": objection_services.available_actions(objection, request.user),
    }, status=status)


@staff_only
@require_GET
def objection_detail(request, pk):
    objection = get_object_or_404(objection_services.objections_for_staff(request.user).select_related(
        "resolved_by"), pk=pk)
    return _objection_page(request, objection)


@staff_only
@require_POST
def objection_investigate(request, pk):
    objection = get_object_or_404(Objection, pk=pk)
    try:
        objection_services.start_investigation(actor=request.user, objection_id=objection.pk)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("已开始调查核实。"))
    return redirect("objection_manage_detail", pk=objection.pk)


@staff_only
@require_POST
def objection_resolve(request, pk):
    objection = get_object_or_404(objection_services.objections_for_staff(request.user), pk=pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "uphold":
                objection_services.uphold(actor=request.user, objection_id=objection.pk, action=data["action"],
                                          new_level=data["new_level"], reply=data["reply"])
            else:
                objection_services.dismiss(actor=request.user, objection_id=objection.pk, reply=data["reply"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("异议已处理。"))
            return redirect("objection_manage_detail", pk=objection.pk)
    return _objection_page(request, objection, form, status=400)


@staff_only
@require_GET
def objection_evidence(request, pk):
    objection, handle = objection_services.open_evidence(actor=request.user, objection_id=pk)
    response = FileResponse(handle, as_attachment=True, filename=objection.evidence_name,
                            content_type=objection_services.evidence_content_type(objection))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
