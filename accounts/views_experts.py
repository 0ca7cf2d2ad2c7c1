"""专家库 pages for province industry-bureau staff; thin: validate, call a service, render."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import AuditEvent

from . import expert_import as importer
from . import experts
from .expert_queries import experts_visible_to, field_labels, in_city, may_manage_experts, search, with_field
from .forms_experts import ExpertFilterForm, ExpertForm, ImportForm, SetActiveForm
from .models import ExpertProfile
from .views import _apply_errors

PAGE_SIZE = 25


def manager_required(view):
    """Only those who keep the pool; anyone else gets 403 whatever the object, so nothing leaks."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not may_manage_experts(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _profile(request, pk):
    return get_object_or_404(experts_visible_to(request.user), pk=pk)


@manager_required
def expert_list(request):
    form = ExpertFilterForm(request.GET or None)
    qs = experts_visible_to(request.user)
    if form.is_bound and not form.is_valid():
        qs = qs.none()  # a bad filter never widens the list
    elif form.is_bound:
        d = form.cleaned_data
        qs = search(qs, d["q"])
        if d["field"]:
            qs = with_field(qs, d["field"])
        if d["active"]:
            qs = qs.filter(active=d["active"] == "1")
        if d["city"]:
            qs = in_city(qs, d["city"])
    page = Paginator(qs.order_by("-active", "user__display_name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for profile in page.object_list:
        profile.field_labels = field_labels(profile.fields)
    return render(request, "accounts/expert_list.html", {
        "form": form, "page": page,
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
    })


def _service_values(form):
    d = dict(form.cleaned_data)
    d.pop("username", None)
    return d


@manager_required
@require_http_methods(["GET", "POST"])
def expert_new(request):
    form = ExpertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = experts.create_expert(actor=request.user, username=form.cleaned_data["username"],
                                            **_service_values(form))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已添加专家 %(name)s，并已发送设置密码的邀请。") % {"name": profile.user})
            return redirect("expert_detail", pk=profile.pk)
    return render(request, "accounts/expert_form.html", {"form": form, "profile": None})


@manager_required
@require_http_methods(["GET", "POST"])
def expert_edit(request, pk):
    profile = _profile(request, pk)
    form = ExpertForm(request.POST or None, initial=ExpertForm.initial_for(profile), profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            experts.update_expert(actor=request.user, profile=profile, **_service_values(form))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("专家信息已保存。"))
            return redirect("expert_detail", pk=profile.pk)
    return render(request, "accounts/expert_form.html", {"form": form, "profile": profile})


@manager_required
def expert_detail(request, pk):
    profile = _profile(request, pk)
    history = AuditEvent.objects.filter(object_type=ExpertProfile._meta.label, object_id=str(profile.pk))[:20]
    return render(request, "accounts/expert_detail.html", {
        "profile": profile, "field_labels": field_labels(profile.fields), "history": history,
        "active_form": SetActiveForm(), "invitation_pending": not profile.user.has_usable_password(),
    })


@manager_required
@require_POST
def expert_set_active(request, pk):
    profile = _profile(request, pk)
    form = SetActiveForm(request.POST)
    active = request.POST.get("active") == "1"
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"])
        experts.set_expert_active(actor=request.user, profile=profile, active=active, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("专家已重新启用。") if active else _("专家已停用。"))
    return redirect("expert_detail", pk=profile.pk)


@manager_required
@require_POST
def expert_invite(request, pk):
    profile = _profile(request, pk)
    try:
        experts.invite_expert(actor=request.user, profile=profile)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已重新发送设置密码的邀请。"))
    return redirect("expert_detail", pk=profile.pk)


@manager_required
@require_http_methods(["GET", "POST"])
def expert_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = importer.import_experts(actor=request.user, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if report.ok:
                messages.success(request, _("已导入 %(n)s 位专家，并已向每位专家发送设置密码的邀请。") % {"n": report.created})
    return render(request, "accounts/expert_import.html", {
        "form": form, "report": report, "max_rows": importer.MAX_ROWS,
    })


@manager_required
def expert_import_template(request):
    response = HttpResponse(importer.template_workbook(), content_type=importer.XLSX)
    response["Content-Disposition"] = 'attachment; filename="expert-import-template.xlsx"'
    return response
