"""Excel exports of 政府首购 (openpyxl, write-only): the purchase list, from a queryset already scoped to the user
(queries.purchases_visible_to) and filtered (filters.PurchaseFilter), and the first-purchase statistics with their
scope on top. Used by the pages and the API."""

from io import BytesIO

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.fields import INDUSTRY_FIELDS
from certification.catalogue import Level
from certification.exports import safe_cell

from .models import Purchase, PurchaseObjection
from .queries import contract_of, notice_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000


def _day(value):
    return value.isoformat() if value else ""


def _minute(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _yes_no(value):
    if value is None:
        return ""
    return str(_("是")) if value else str(_("否"))


def _bold(ws, values):
    out = []
    for value in values:
        cell = WriteOnlyCell(ws, value=str(value))
        cell.font = Font(bold=True)
        out.append(cell)
    return out


def _save(wb):
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def with_objection_count(purchases):
    """The purchases annotated with `objection_count` (every objection to their notice), one subquery: no
    GROUP BY over the list's joins, whatever they are."""
    counts = (
        PurchaseObjection.objects.filter(notice__purchase_id=OuterRef("pk"))
        .order_by()
        .values("notice__purchase_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return purchases.annotate(objection_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)))


def _notice_period(p):
    notice = notice_of(p)
    if notice is None or notice.published_at is None:
        return ""
    return f"{_minute(notice.starts_at)} — {_minute(notice.ends_at)}"


def _method(p, methods):
    label = str(methods.get(p.method, p.method))
    return f"{label}（{p.method_details}）" if p.method_details else label


def _purchase_columns():
    states, methods, levels = dict(Purchase.State.choices), dict(Purchase.Method.choices), dict(Level.choices)
    fields = dict(INDUSTRY_FIELDS)

    def contract(p, attr):
        c = contract_of(p)
        return getattr(c, attr) if c is not None else None

    return [
        (_("编号"), 14, lambda p: p.number),
        (_("采购项目"), 30, lambda p: p.title),
        (_("采购人"), 28, lambda p: p.buyer.name),
        (_("供应商"), 28, lambda p: p.supplier.name),
        (_("产品"), 28, lambda p: p.recognition.product_name),
        (_("证书编号"), 20, lambda p: p.recognition.certificate_number),
        (_("级别"), 14, lambda p: str(levels.get(p.recognition.level, p.recognition.level))),
        (_("领域"), 24, lambda p: str(fields.get(p.recognition.field, p.recognition.field))),
        (_("采购方式"), 14, lambda p: _method(p, methods)),
        (_("数量"), 8, lambda p: f"{p.quantity}{p.unit}"),
        (_("预算（元）"), 16, lambda p: p.budget),
        (_("状态"), 14, lambda p: str(states.get(p.state, p.state))),
        (_("公示起止"), 36, _notice_period),
        (_("异议数"), 8, lambda p: getattr(p, "objection_count", 0)),
        (_("成交日期"), 11, lambda p: _day(p.awarded_on)),
        (_("成交金额（元）"), 16, lambda p: p.award_amount),
        (_("合同编号"), 20, lambda p: contract(p, "number") or ""),
        (_("合同金额（元）"), 16, lambda p: contract(p, "amount")),
        (_("签订日期"), 11, lambda p: _day(contract(p, "signed_on"))),
        (_("超期签订"), 8, lambda p: _yes_no(contract(p, "signed_late"))),
        (_("交付日期"), 11, lambda p: _day(contract(p, "delivered_on"))),
        (_("验收日期"), 11, lambda p: _day(contract(p, "accepted_on"))),
    ]


def purchases_workbook(purchases):
    """The purchases (a queryset scoped to the user and filtered) as .xlsx bytes, one row each, in the
    queryset's order. One query (the related rows are joined, the objections counted by a subquery)."""
    qs = with_objection_count(purchases.select_related("buyer", "supplier", "recognition", "notice", "contract"))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("首购项目清单"))
    columns = _purchase_columns()
    for i, (_title, width, _get) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append(_bold(ws, [title for title, _width, _get in columns]))
    for p in qs.iterator(chunk_size=CHUNK):
        ws.append([safe_cell(ws, get(p)) for _title, _width, get in columns])
    return _save(wb)


def statistics_workbook(stats):
    """The first-purchase statistics (statistics.first_purchase_statistics) as .xlsx bytes: the scope lines, the
    totals, one table per award year (all ten fields), then the totals per field over the scope."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("首购统计"))
    for i, width in enumerate((30, 12, 18), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append(_bold(ws, [_("政府首购统计")]))
    for line in stats.scope_lines:
        ws.append([safe_cell(ws, line)])
    ws.append([])
    ws.append(_bold(ws, [_("合计"), _("项目数"), _("金额（元）")]))
    ws.append([_("计入统计的首购项目"), stats.count, stats.amount])
    for year in stats.years:
        ws.append([])
        ws.append(_bold(ws, [_("%(year)s年度 · 按所属领域") % {"year": year.year}, _("项目数"), _("金额（元）")]))
        for row in year.rows:
            ws.append([row.label, row.count, row.amount])
        ws.append([*_bold(ws, [_("合计")]), year.count, year.amount])
    if stats.year is None:
        ws.append([])
        ws.append(_bold(ws, [_("全部年度 · 按所属领域"), _("项目数"), _("金额（元）")]))
        for row in stats.by_field:
            ws.append([row.label, row.count, row.amount])
        ws.append([*_bold(ws, [_("合计")]), stats.count, stats.amount])
    return _save(wb)
