"""认定结果汇总: the batch (or year) summary for province staff, and its Excel export."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..exports import XLSX, summary_workbook
from ..summary import SummaryScopeForm, batch_summary, can_view_summary


def _summary_for(request):
    if not can_view_summary(request.user):
        raise PermissionDenied(_("只有省经信厅工作人员可以查看认定结果汇总。"))
    form = SummaryScopeForm(request.GET or None)
    if not form.is_bound or not form.is_valid():
        return form, None
    return form, batch_summary(batch=form.cleaned_data["batch"], year=form.cleaned_data["year"])


@login_required
@require_GET
def summary(request):
    form, result = _summary_for(request)
    return render(request, "recognition/summary.html", {"form": form, "summary": result})


@login_required
@require_GET
def summary_export(request):
    form, result = _summary_for(request)
    if result is None:
        errors = [" ".join(e) for e in form.errors.values()] or [_("请选择批次或年度。")]
        return HttpResponseBadRequest(_("统计范围有误：%(e)s") % {"e": "；".join(errors)},
                                      content_type="text/plain; charset=utf-8")
    response = HttpResponse(summary_workbook(result), content_type=XLSX)
    name = _("认定结果汇总") + (f"-{result.batch.name}" if result.batch else f"-{result.year}") + ".xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"summary.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response
