"""Excel exports of recognitions (openpyxl): the public catalogue as filtered, and the batch summary. Each sheet
opens with its scope (what is listed or counted, and when), then a header row. Text from records goes through
certification.exports.safe_cell, so nothing typed by an applicant is ever evaluated as a formula."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.fields import INDUSTRY_FIELDS
from certification.catalogue import Category, Level
from certification.exports import safe_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Rows above the catalogue's header: the title and the scope.
CATALOGUE_HEADER_ROW = 3


def _catalogue_columns():
    levels, categories, fields = dict(Level.choices), dict(Category.choices), dict(INDUSTRY_FIELDS)
    return [
        (_("证书编号"), 22, lambda r: r.certificate_number),
        (_("产品名称"), 32, lambda r: r.product_name),
        (_("型号规格"), 18, lambda r: r.model_spec),
        (_("企业名称"), 32, lambda r: r.enterprise_name),
        (_("认定级别"), 16, lambda r: str(levels.get(r.level, r.level))),
        (_("产品类别"), 16, lambda r: str(categories.get(r.category, r.category))),
        (_("所属领域"), 28, lambda r: str(fields.get(r.field, r.field))),
        (_("设区市"), 10, lambda r: r.city.name),
        (_("认定年度"), 10, lambda r: r.year),
        (_("有效期至"), 12, lambda r: r.valid_until.isoformat()),
    ]


def _bold_row(ws, values):
    bold = Font(bold=True)
    row = []
    for value in values:
        cell = WriteOnlyCell(ws, value=str(value))
        cell.font = bold
        row.append(cell)
    return row


def _save(wb):
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def catalogue_workbook(recognitions, *, scope, today):
    """The catalogue rows (catalogue_queryset, filtered) as .xlsx bytes: a title row, the filters, the header."""
    columns = _catalogue_columns()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("推广应用指导目录"))
    for i, (_title, width, _get) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{CATALOGUE_HEADER_ROW + 1}"
    ws.append(_bold_row(ws, [_("首台（套）产品推广应用指导目录（截至 %(d)s 仍在有效期内的认定）") % {"d": today.isoformat()}]))
    ws.append([safe_cell(ws, _("筛选条件：%(s)s") % {"s": scope})])
    ws.append(_bold_row(ws, [title for title, _width, _get in columns]))
    for rec in recognitions.iterator(chunk_size=2000):
        ws.append([safe_cell(ws, get(rec)) for _title, _width, get in columns])
    return _save(wb)


def summary_workbook(summary):
    """The batch summary (summary.batch_summary) as .xlsx bytes: the scope lines, then one table per breakdown,
    then the revoked recognitions (not counted)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("认定结果汇总"))
    for i, width in enumerate((28, 12, 14, 14, 14, 30), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append(_bold_row(ws, [_("首台（套）认定结果汇总")]))
    for line in summary.scope_lines:
        ws.append([safe_cell(ws, line)])
    ws.append([])
    ws.append(_bold_row(ws, [_("合计（计入统计的认定）"), ]) + [summary.total])
    tables = [
        (_("按认定级别"), summary.by_level, False),
        (_("按设区市"), summary.by_city, True),
        (_("按所属领域"), summary.by_field, True),
        (_("按产品类别"), summary.by_category, False),
    ]
    for title, lines, per_level in tables:
        ws.append([])
        ws.append(_bold_row(ws, [title, _("数量")] + (summary.level_labels if per_level else [])))
        for line in lines:
            ws.append([safe_cell(ws, line.label), line.count] + (list(line.levels) if per_level else []))
        ws.append(_bold_row(ws, [_("合计")]) + [sum(line.count for line in lines)])
    ws.append([])
    n = len(summary.revoked)
    ws.append(_bold_row(ws, [ngettext("已撤销的认定（不计入以上统计）：%(n)s 项", "已撤销的认定（不计入以上统计）：%(n)s 项", n)
                             % {"n": n}]))
    if summary.revoked:
        ws.append(_bold_row(ws, [_("证书编号"), _("产品名称"), _("企业名称"), _("认定级别"), _("撤销时间"), _("撤销文号")]))
        levels = dict(Level.choices)
        for rec in summary.revoked:
            when = timezone.localtime(rec.revoked_at).strftime("%Y-%m-%d") if rec.revoked_at else ""
            ws.append([safe_cell(ws, v) for v in (rec.certificate_number, rec.product_name, rec.enterprise_name,
                                                   str(levels.get(rec.level, rec.level)), when,
                                                   rec.revocation_document)])
    return _save(wb)
