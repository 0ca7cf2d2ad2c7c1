"""Excel exports of the recognition workflow (openpyxl), produced from scoped querysets (queries.py)."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.fields import INDUSTRY_FIELDS

from .catalogue import Category, EquipmentForm, Level
from .models import State


def _when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _columns():
    categories, forms, levels = dict(Category.choices), dict(EquipmentForm.choices), dict(Level.choices)
    fields, states = dict(INDUSTRY_FIELDS), dict(State.choices)
    return [
        (_("受理编号"), 14, lambda a: a.number),
        (_("批次"), 24, lambda a: a.batch.name),
        (_("申报企业"), 30, lambda a: a.enterprise.name),
        (_("统一社会信用代码"), 22, lambda a: a.enterprise.uscc),
        (_("设区市"), 10, lambda a: a.city.name),
        (_("县（市、区）"), 12, lambda a: a.region.name),
        (_("产品名称"), 30, lambda a: a.product_name),
        (_("型号规格"), 18, lambda a: a.model_spec),
        (_("产品类别"), 16, lambda a: str(categories.get(a.category, ""))),
        (_("装备形式"), 8, lambda a: str(forms.get(a.equipment_form, ""))),
        (_("申报级别"), 16, lambda a: str(levels.get(a.declared_level, ""))),
        (_("所属领域"), 26, lambda a: str(fields.get(a.field, ""))),
        (_("首台销售价格（元）"), 16, lambda a: a.first_sale_price),
        (_("首台用户单位"), 24, lambda a: a.first_sale_buyer),
        (_("状态"), 14, lambda a: str(states.get(a.state, a.state))),
        (_("首次提交时间"), 17, lambda a: _when(a.submitted_at)),
        (_("市级推荐时间"), 17, lambda a: _when(a.city_recommended_at)),
    ]


def safe_cell(ws, value):
    """Text typed by applicants is data, never a formula: openpyxl stores any text starting with "=" as a
    formula, so such text goes in a cell explicitly typed as a string (shown as typed, never evaluated)."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def applications_workbook(applications):
    """The applications (a queryset already scoped to the user and filtered) as .xlsx bytes, one row each.

    The queryset should select_related batch, enterprise, region and city (applications_visible_to does).
    """
    columns = _columns()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("申报清单"))
    for i, (_title, width, _get) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    header = []
    for title, _width, _get in columns:
        cell = WriteOnlyCell(ws, value=str(title))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for app in applications.iterator(chunk_size=2000):
        ws.append([safe_cell(ws, get(app)) for _title, _width, get in columns])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
