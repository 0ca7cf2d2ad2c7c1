"""推广应用指导目录: the public catalogue of valid recognitions (no login), its search, filters and Excel export."""

from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..exports import XLSX, catalogue_workbook
from ..queries import CatalogueFilterForm, catalogue_queryset, catalogue_years

PAGE_SIZE = 20


@require_GET
def catalogue(request):
    """Valid recognitions, newest year first; a refused filter is named above the list, the others apply."""
    today = timezone.localdate()
    form = CatalogueFilterForm(request.GET or None, years=catalogue_years(today))
    qs = form.apply(catalogue_queryset(today))
    if form.refused():
        messages.warning(request, _("部分筛选条件无效，已忽略该条件，其余条件仍然生效：%(e)s")
                         % {"e": "；".join(form.error_messages())})
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "recognition/catalogue.html", {
        "form": form, "page": page, "today": today,
        "filtered": bool(form.values()) or form.refused(),
    })


@require_GET
def catalogue_export(request):
    """The catalogue as filtered now, as an Excel workbook; a refused filter answers 400 (never a wider file)."""
    today = timezone.localdate()
    form = CatalogueFilterForm(request.GET or None)
    if form.refused():
        return HttpResponseBadRequest(_("筛选条件有误：%(e)s") % {"e": "；".join(form.error_messages())},
                                      content_type="text/plain; charset=utf-8")
    content = catalogue_workbook(form.apply(catalogue_queryset(today)), scope=form.scope_text(), today=today)
    response = HttpResponse(content, content_type=XLSX)
    name = _("推广应用指导目录") + today.strftime("%Y%m%d") + ".xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"catalogue.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response
