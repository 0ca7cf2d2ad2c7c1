"""首购统计 and the purchase list's Excel export (pages).

purchase_statistics: first purchases by award year and field with the amounts and the scope stated
(procurement/statistics.py); province-level staff of any department only, the figures being province-wide (a city or
county bureau reads its area's purchases in the list and its export instead). purchase_statistics_export: the same
as Excel. purchase_export: the purchases the viewer may see (queries.purchases_visible_to) with the list's filters
(filters.PurchaseFilter) as Excel; a refused filter answers 400 rather than a wider list."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..exports import XLSX, purchases_workbook, statistics_workbook
from ..filters import PurchaseFilter
from ..queries import purchases_visible_to
from ..statistics import StatisticsYearForm, can_view_statistics, first_purchase_statistics
from ._common import may_list


def _xlsx(content, ascii_name, name):
    response = HttpResponse(content, content_type=XLSX)
    name = f"{name}{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _statistics_for(request):
    if not can_view_statistics(request.user):
        raise PermissionDenied(_("只有省级部门工作人员可以查看首购统计。"))
    form = StatisticsYearForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    year = form.cleaned_data["year"] if form.is_bound else None
    return form, first_purchase_statistics(year=year)


@login_required
@require_GET
def purchase_statistics(request):
    form, stats = _statistics_for(request)
    return render(
        request,
        "procurement/stats/statistics.html",
        {"form": form, "stats": stats},
        status=400 if stats is None else 200,
    )


@login_required
@require_GET
def purchase_statistics_export(request):
    form, stats = _statistics_for(request)
    if stats is None:
        errors = [" ".join(e) for e in form.errors.values()]
        return HttpResponseBadRequest(
            _("统计范围有误：%(e)s") % {"e": "；".join(errors)}, content_type="text/plain; charset=utf-8"
        )
    suffix = f"-{stats.year}" if stats.year else ""
    return _xlsx(statistics_workbook(stats), "purchase-statistics.xlsx", _("首购统计") + suffix + "-")


@login_required
@require_GET
def purchase_export(request):
    if not may_list(request.user):
        raise PermissionDenied
    f = PurchaseFilter(request.GET or None, queryset=purchases_visible_to(request.user), request=request)
    if f.is_bound and not f.is_valid():
        errors = [
            f"{f.form.fields[k].label}：{' '.join(v)}" if k in f.form.fields else " ".join(v)
            for k, v in f.errors.items()
        ]
        return HttpResponseBadRequest(
            _("筛选条件有误：%(e)s") % {"e": "；".join(errors)}, content_type="text/plain; charset=utf-8"
        )
    return _xlsx(purchases_workbook(f.qs.order_by("-created_at", "-id")), "purchases.xlsx", _("首购项目清单"))
