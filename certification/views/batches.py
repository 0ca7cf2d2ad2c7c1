"""认定批次 pages: list, detail with quotas and their use, create and edit, publish and close."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import roles_of

from ..catalogue import Category, EquipmentForm
from ..forms import BatchForm
from ..models import Application, Batch, State
from ..queries import batches_visible_to
from ..services import batches as services
from ._common import apply_errors


def _can_manage(user):
    return user.has_perm("certification.manage_batch")


@login_required
def batch_list(request):
    qs = batches_visible_to(request.user).annotate(
        application_count=Count("applications", filter=Q(applications__submitted_at__isnull=False))
    )
    page = Paginator(qs.order_by("-year", "-opens_at", "-id"), 20).get_page(request.GET.get("page"))
    return render(request, "certification/batch_list.html", {
        "page": page, "can_manage": _can_manage(request.user),
        "can_apply": roles_of(request.user).has("enterprise"),
    })


@login_required
def batch_detail(request, pk):
    batch = get_object_or_404(batches_visible_to(request.user), pk=pk)
    used = dict(
        Application.objects.filter(batch=batch, city_recommended_at__isnull=False)
        .exclude(state=State.WITHDRAWN).values_list("city_id").annotate(n=Count("pk")).values_list("city_id", "n")
    )
    quotas = [
        {"city": q.city, "quota": q.quota, "used": used.get(q.city_id, 0),
         "left": max(q.quota - used.get(q.city_id, 0), 0)}
        for q in batch.quotas.select_related("city").order_by("city__sort_order", "city__code")
    ]
    return render(request, "certification/batch_detail.html", {
        "batch": batch, "quotas": quotas, "can_manage": _can_manage(request.user),
        "quota_total": sum(q["quota"] for q in quotas), "used_total": sum(q["used"] for q in quotas),
        "can_apply": batch.state == Batch.State.OPEN and roles_of(request.user).has("enterprise"),
        "category_labels": [str(Category(c).label) for c in batch.categories if c in Category.values],
        "form_labels": [str(EquipmentForm(c).label) for c in batch.equipment_forms if c in EquipmentForm.values]
        if "equipment" in batch.categories else [],
    })


@login_required
@require_http_methods(["GET", "POST"])
def batch_edit(request, pk=None):
    if not _can_manage(request.user):
        raise PermissionDenied
    batch = get_object_or_404(Batch, pk=pk) if pk else None
    if batch is not None and batch.state == Batch.State.CLOSED:
        messages.error(request, _("批次已截止，不能修改。"))
        return redirect("batch_detail", pk=batch.pk)
    if batch is None:
        initial = {"year": timezone.localdate().year, "categories": ["equipment", "new_material", "software"],
                   "equipment_forms": ["complete", "set", "component"]}
        quotas = {}
    else:
        initial = {name: getattr(batch, name) for name in ("year", "name", "categories", "equipment_forms",
                                                           "opens_at", "closes_at", "recommend_deadline", "notes")}
        quotas = dict(batch.quotas.values_list("city_id", "quota"))
    form = BatchForm(request.POST or None, initial=initial, batch=batch, quotas=quotas)
    if request.method == "POST" and form.is_valid():
        try:
            if batch is None:
                batch = services.create_batch(actor=request.user, quotas=form.quotas(), **form.batch_fields())
                messages.success(request, _("批次已创建（草稿）。核对无误后请发布。"))
            else:
                services.update_batch(actor=request.user, batch_id=batch.pk, quotas=form.quotas(),
                                      **form.batch_fields(batch))
                messages.success(request, _("批次已保存。"))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("batch_detail", pk=batch.pk)
    return render(request, "certification/batch_form.html", {"form": form, "batch": batch})


@login_required
@require_POST
def batch_publish(request, pk):
    batch = get_object_or_404(batches_visible_to(request.user), pk=pk)
    try:
        services.publish_batch(actor=request.user, batch_id=batch.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("批次已发布，企业现在可以申报。"))
    return redirect("batch_detail", pk=batch.pk)


@login_required
@require_POST
def batch_close(request, pk):
    batch = get_object_or_404(batches_visible_to(request.user), pk=pk)
    services.close_batch(actor=request.user, batch_id=batch.pk)
    messages.success(request, _("批次已截止申报。"))
    return redirect("batch_detail", pk=batch.pk)
