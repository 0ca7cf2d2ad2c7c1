"""资金拨付 dashboard and the Excel exports (pages).

payout_dashboard: payouts.dashboard.totals for the viewer (province-level bureaus: the province; a city bureau: its
city; a county bureau: its county) with a year filter and the scope stated; an enterprise or a user with no bureau
gets 403. payout_dashboard_export: the same as Excel. payout_export: the payouts the viewer may see
(queries.payouts_visible_to) with the list's filters (filters.PayoutFilter) as Excel; a refused filter answers 400
rather than a wider list. bank_payment_list: the bank's payment list of one city (?city=<id>; a city bureau's own
city when it has only one); without a city, province finance chooses one on a small page.
"""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Membership, Region
from accounts.roles import roles_of

from .. import exports
from ..dashboard import DashboardYearForm, can_view_dashboard, totals
from ..filters import PayoutFilter
from ..models import Payout
from ..queries import payouts_visible_to


def _xlsx(content, ascii_name, name):
    response = HttpResponse(content, content_type=exports.XLSX)
    name = f"{name}{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _bad_request(prefix, errors):
    return HttpResponseBadRequest(f"{prefix}{'；'.join(errors)}", content_type="text/plain; charset=utf-8")


def _totals_for(request):
    if not can_view_dashboard(request.user):
        raise PermissionDenied(_("只有省级部门和市县经信、财政部门工作人员可以查看资金拨付统计。"))
    form = DashboardYearForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    year = form.cleaned_data["year"] if form.is_bound else None
    return form, totals(user=request.user, year=year)


@login_required
@require_GET
def payout_dashboard(request):
    form, t = _totals_for(request)
    return render(
        request,
        "payouts/dashboard/dashboard.html",
        {"form": form, "t": t, "cities": _bank_cities(request.user) if t else []},
        status=400 if t is None else 200,
    )


@login_required
@require_GET
def payout_dashboard_export(request):
    form, t = _totals_for(request)
    if t is None:
        return _bad_request(_("统计范围有误："), [" ".join(e) for e in form.errors.values()])
    suffix = f"-{t.year}" if t.year else ""
    return _xlsx(exports.dashboard_workbook(t), "payout-dashboard.xlsx", _("资金拨付统计") + suffix + "-")


@login_required
@require_GET
def payout_export(request):
    roles = roles_of(request.user)
    if not (
        request.user.is_superuser or roles.is_province or roles.bureau_regions or roles.has(Membership.Role.ENTERPRISE)
    ):
        raise PermissionDenied
    f = PayoutFilter(request.GET or None, queryset=payouts_visible_to(request.user), request=request)
    if f.is_bound and not f.is_valid():
        errors = [
            f"{f.form.fields[k].label}：{' '.join(v)}" if k in f.form.fields else " ".join(v)
            for k, v in f.errors.items()
        ]
        return _bad_request(_("筛选条件有误："), errors)
    return _xlsx(exports.payouts_workbook(f.qs.order_by("-created_at", "-id")), "payouts.xlsx", _("拨付清单"))


def _bank_cities(user):
    """The cities whose bank list the user may export, with the allocated payouts waiting in each (the user's
    scope): [(city, count, amount)]. Two queries."""
    cities = [c for c in Region.objects.filter(level=Region.Level.CITY).order_by("sort_order", "code")]
    allowed = [c for c in cities if exports.may_export_bank_list(user, c)]
    if not allowed:
        return []
    waiting = {
        row["city_id"]: (row["n"], row["total"])
        for row in payouts_visible_to(user)
        .select_related(None)
        .filter(state=Payout.State.ALLOCATED, city__in=allowed)
        .values("city_id")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    }
    return [(c, *waiting.get(c.pk, (0, None))) for c in allowed]


@login_required
@require_GET
def bank_payment_list(request):
    city_id = request.GET.get("city") or None
    if city_id is None:
        cities = _bank_cities(request.user)
        if not cities:
            raise PermissionDenied(_("只有省财政厅和本市经信、财政部门可以导出本市的银行付款清单。"))
        if len(cities) > 1:
            return render(request, "payouts/dashboard/bank_list_choose.html", {"cities": cities})
        city_id = str(cities[0][0].pk)
    try:
        name, content = exports.bank_payment_list(user=request.user, city_id=city_id)
    except ValidationError as exc:
        return _bad_request(_("设区市有误："), [m for ms in exc.message_dict.values() for m in ms])
    return _xlsx(content, "bank-payment-list.xlsx", f"{name}-")
