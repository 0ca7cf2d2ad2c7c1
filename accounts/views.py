"""HTML pages for accounts; thin: validate, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.form_errors import apply_errors as _apply_errors

from . import services
from .dashboard import dashboard_context, expert_field_labels
from .forms import OrganisationFilterForm, RegistrationForm, ReviewForm
from .queries import organisations_visible_to, registrations_to_review
from .roles import roles_of
from .rules import is_bureau_staff


@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.register_enterprise(
                uscc=d["uscc"], name=d["name"], region=d["region"], contact_name=d["contact_name"],
                contact_phone=d["contact_phone"], email=d["email"], username=d["username"], password=d["password"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return render(request, "accounts/register_done.html", {"email": d["email"]})
    return render(request, "accounts/register.html", {"form": form})


def verify_email(request, token):
    try:
        services.verify_email(token=token)
    except ValidationError as exc:
        return render(request, "accounts/verify_email.html", {"error": exc.messages[0]}, status=400)
    return render(request, "accounts/verify_email.html", {"error": None})


@login_required
def dashboard(request):
    return render(request, "accounts/dashboard.html", dashboard_context(request.user))


@login_required
def my_organisation(request):
    roles = roles_of(request.user)
    orgs = roles.organisations()
    expert = roles.expert_profile
    return render(
        request,
        "accounts/my_organisation.html",
        {"organisations": orgs, "expert": expert, "expert_fields": expert_field_labels(expert)},
    )


@login_required
def org_list(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    form = OrganisationFilterForm(request.GET or None)
    qs = organisations_visible_to(request.user)
    if form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            qs = qs.filter(Q(name__icontains=d["q"]) | Q(uscc__icontains=d["q"].upper()))
        if d["kind"]:
            qs = qs.filter(kind=d["kind"])
        if d["status"]:
            qs = qs.filter(status=d["status"])
    page = Paginator(qs.order_by("kind", "name"), 25).get_page(request.GET.get("page"))
    return render(request, "accounts/org_list.html", {"form": form, "page": page})


@login_required
def org_review_list(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied
    page = Paginator(registrations_to_review(request.user).order_by("created_at"), 25).get_page(request.GET.get("page"))
    return render(request, "accounts/org_review_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def org_detail(request, pk):
    org = get_object_or_404(organisations_visible_to(request.user), pk=pk)
    can_review = request.user.has_perm("accounts.review_registration", org)
    form = ReviewForm(request.POST or None) if can_review else None
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                if d["decision"] == "approve":
                    services.approve_registration(actor=request.user, organisation_id=org.pk, reason=d["reason"])
                    messages.success(request, _("已审核通过：%(name)s") % {"name": org.name})
                else:
                    services.reject_registration(actor=request.user, organisation_id=org.pk, reason=d["reason"])
                    messages.success(request, _("已退回：%(name)s") % {"name": org.name})
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                return redirect("org_review_list")
    members = org.memberships.select_related("user") if is_bureau_staff(request.user) else []
    return render(request, "accounts/org_detail.html", {"org": org, "form": form, "members": members})
