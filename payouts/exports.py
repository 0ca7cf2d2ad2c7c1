"""Excel exports of 资金拨付 (openpyxl, write-only), used by the pages and the API:

- payouts_workbook: the payout list, from a queryset already scoped to the user (queries.payouts_visible_to) and
  filtered (filters.PayoutFilter);
- bank_payment_list: the bank's payment list of one city — the payouts allocated to the city and not yet
  disbursed, one row each with the payee, its account and the amount, a total row; rows without a receiving
  account are flagged in red and counted in a note under the table (the bank cannot pay them until the enterprise
  fills its account in). For the city's bureaus (a county bureau: the payouts of its county) and province finance;
- dashboard_workbook: the dashboard's totals (payouts.dashboard.totals) with the scope on top.
"""

from io import BytesIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from accounts.models import Organisation, Region
from accounts.roles import roles_of
from certification.catalogue import Level
from certification.exports import safe_cell
from certification.queries import is_id

from . import workflow
from .dashboard import LOCAL_ROLES, ZERO
from .models import Kind, Payout
from .queries import payouts_visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000
MISSING_FILL = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")
MISSING_FONT = Font(color="9C0006")
# The bank's payment list stays in Chinese whatever the page language: it is handed to a Chinese bank.
BANK_HEADER = (
    "序号",
    "拨付编号",
    "收款单位",
    "统一社会信用代码",
    "开户银行",
    "银行账号",
    "金额（元）",
    "用途",
    "下达日期",
    "应拨付日期",
)


def _day(value):
    return value.isoformat() if value else ""


def _when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _bold(ws, values):
    out = []
    for value in values:
        cell = WriteOnlyCell(ws, value=value if isinstance(value, int | float) else str(value))
        cell.font = Font(bold=True)
        out.append(cell)
    return out


def _widths(ws, widths):
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _save(wb):
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the payout list -------------------------------------------------------------------------------------------


def _days_overdue(p, today):
    if p.state == Payout.State.ALLOCATED and p.due_on and p.due_on < today:
        return (today - p.due_on).days
    return ""


def _payout_columns(today):
    states, kinds, levels = dict(Payout.State.choices), dict(Kind.choices), dict(Level.choices)
    return [
        (_("拨付编号"), 14, lambda p: p.number),
        (_("资金类别"), 14, lambda p: str(kinds.get(p.kind, p.kind))),
        (_("预算年度"), 8, lambda p: p.year),
        (_("企业名称"), 30, lambda p: p.enterprise_name),
        (_("统一社会信用代码"), 22, lambda p: p.enterprise_uscc),
        (_("设区市"), 10, lambda p: p.city.name),
        (_("县（市、区）"), 12, lambda p: p.region.name),
        (_("证书编号"), 20, lambda p: p.recognition.certificate_number),
        (_("产品名称"), 30, lambda p: p.recognition.product_name),
        (_("认定级别"), 16, lambda p: str(levels.get(p.level, p.level))),
        (_("补偿申请编号"), 14, lambda p: p.claim.number if p.claim_id else ""),
        (_("拨付金额（元）"), 16, lambda p: p.amount),
        (_("状态"), 14, lambda p: str(states.get(p.state, p.state))),
        (_("经信审核时间"), 17, lambda p: _when(p.industry_approved_at)),
        (_("财政审核时间"), 17, lambda p: _when(p.finance_approved_at)),
        (_("资金下达日期"), 11, lambda p: _day(p.allocated_on)),
        (_("资金下达文号"), 20, lambda p: p.allocation_document),
        (_("应拨付企业日期"), 11, lambda p: _day(p.due_on)),
        (_("逾期天数"), 8, lambda p: _days_overdue(p, today)),
        (_("拨付企业日期"), 11, lambda p: _day(p.disbursed_on)),
        (_("银行流水号"), 20, lambda p: p.bank_reference),
        (_("开户银行"), 24, lambda p: p.bank_name),
        (_("银行账号"), 24, lambda p: p.bank_account),
        (_("不予拨付理由"), 30, lambda p: p.rejected_reason),
    ]


def payouts_workbook(payouts, *, today=None):
    """The payouts (a queryset scoped to the user and filtered) as .xlsx bytes, one row each, in the queryset's
    order. One query (the related rows are joined; the working is not read)."""
    today = today or timezone.localdate()
    qs = payouts.select_related("recognition", "claim", "city", "region").defer("working")
    columns = _payout_columns(today)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("拨付清单"))
    _widths(ws, [width for _title, width, _get in columns])
    ws.freeze_panes = "A2"
    ws.append(_bold(ws, [title for title, _width, _get in columns]))
    for p in qs.iterator(chunk_size=CHUNK):
        ws.append([safe_cell(ws, get(p)) for _title, _width, get in columns])
    return _save(wb)


# --- the bank's payment list -----------------------------------------------------------------------------------


def may_export_bank_list(user, city):
    """Province finance staff (and superusers) for any city; a city bureau (industry or finance) for its city; a
    county bureau for its county's payouts in its city."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or workflow.is_province_finance(user):
        return True
    for m in roles_of(user).memberships:
        org = m.organisation
        if org.kind != Organisation.Kind.BUREAU or m.role not in LOCAL_ROLES:
            continue
        if org.bureau_level not in (Organisation.BureauLevel.CITY, Organisation.BureauLevel.COUNTY):
            continue
        if org.region.city is not None and org.region.city.pk == city.pk:
            return True
    return False


def bank_city(city_id):
    """The city (设区市) of a bank list from the request's value; ValidationError under "city" otherwise."""
    if city_id in (None, ""):
        raise ValidationError({"city": [_("请选择设区市。")]})
    city = Region.objects.filter(pk=city_id, level=Region.Level.CITY).first() if is_id(city_id) else None
    if city is None:
        raise ValidationError({"city": [_("没有这个设区市。")]})
    return city


def bank_rows(*, user, city):
    """The payouts of the bank list: allocated to `city`, not yet disbursed, that the user may see; by due date."""
    return list(
        payouts_visible_to(user)
        .filter(city=city, state=Payout.State.ALLOCATED)
        .select_related("recognition", "claim", "city", "region")
        .defer("working")
        .order_by("due_on", "number", "id")
    )


def purpose(p):
    """用途: e.g. "2025年度首台（套）奖励 ZJ-2024-D-0003" (a compensation adds its claim's number)."""
    text = _("%(year)s年度%(kind)s %(certificate)s") % {
        "year": p.year,
        "kind": p.get_kind_display(),
        "certificate": p.recognition.certificate_number,
    }
    if p.claim_id:
        text += _("（补偿申请 %(number)s）") % {"number": p.claim.number}
    return text


def bank_payment_list(*, user, city_id, now=None):
    """(filename stem, .xlsx bytes) of the bank's payment list of one city (see the module's docstring).
    ValidationError under "city" for a missing or unknown city; PermissionDenied for anyone but the city's bureaus
    and province finance."""
    city = bank_city(city_id)
    if not may_export_bank_list(user, city):
        raise PermissionDenied(_("只有省财政厅和本市经信、财政部门可以导出本市的银行付款清单。"))
    rows = bank_rows(user=user, city=city)
    now = now or timezone.now()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("银行付款清单"))
    _widths(ws, (6, 14, 30, 22, 24, 24, 16, 40, 11, 11))
    title = _("%(city)s 首台（套）资金拨付银行付款清单") % {"city": city.name}
    ws.append(_bold(ws, [title]))
    ws.append(
        [
            _("范围：已下达%(city)s、尚未拨付企业的拨付（%(n)s 笔）；导出时间：%(when)s（北京时间）")
            % {"city": city.name, "n": len(rows), "when": _when(now)}
        ]
    )
    ws.append(_bold(ws, [_(h) for h in BANK_HEADER]))
    total = ZERO
    missing = 0
    for i, p in enumerate(rows, start=1):
        values = [
            i,
            p.number,
            p.enterprise_name,
            p.enterprise_uscc,
            p.bank_name,
            p.bank_account,
            p.amount,
            purpose(p),
            _day(p.allocated_on),
            _day(p.due_on),
        ]
        total += p.amount
        if not (p.bank_name.strip() and p.bank_account.strip()):
            missing += 1
            cells = []
            for value in values:
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                cell.fill = MISSING_FILL
                cell.font = MISSING_FONT
                cells.append(cell)
            ws.append(cells)
        else:
            ws.append([safe_cell(ws, v) for v in values])
    ws.append([*_bold(ws, ["", _("合计"), _("%(n)s 笔") % {"n": len(rows)}, "", "", ""]), total])
    ws.append([])
    if missing:
        note = WriteOnlyCell(
            ws,
            value=_("注：%(n)s 笔缺少收款账户（开户银行或银行账号，已标红），须企业补填后方可付款。") % {"n": missing},
        )
        note.font = MISSING_FONT
        ws.append([note])
    else:
        ws.append([_("注：各笔均已填写收款账户。")])
    ws.append([_("下达之日起30日内拨付企业；应拨付日期为资金下达日期后第30日。")])
    return f"{city.name}{_('银行付款清单')}", _save(wb)


# --- the dashboard ---------------------------------------------------------------------------------------------


def _row_values(row):
    values = [row.label]
    for cell in row.groups:
        values += [cell.count, cell.amount]
    return [*values, row.count, row.amount]


def _table(ws, t, title, rows, total=None):
    header = [title]
    for label in t.group_labels:
        header += [_("%(g)s笔数") % {"g": label}, _("%(g)s金额（元）") % {"g": label}]
    header += [_("合计笔数（不含不予拨付）"), _("合计金额（元）")]
    ws.append(_bold(ws, header))
    for row in rows:
        ws.append(_row_values(row))
    if total is not None:
        values = _row_values(total)
        ws.append([*_bold(ws, [values[0]]), *values[1:]])
    ws.append([])


def dashboard_workbook(t):
    """The dashboard's totals as .xlsx bytes: the scope lines, then each table, the overdue list, the budget
    positions (province) and the recoveries outstanding."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("资金拨付统计"))
    _widths(ws, (24, *([12, 16] * 6)))
    ws.append(_bold(ws, [_("首台（套）资金拨付统计")]))
    for line in t.scope_lines:
        ws.append([safe_cell(ws, line)])
    ws.append([])
    _table(ws, t, _("全部拨付"), [], t.overall)
    for y in t.years:
        _table(ws, t, _("%(year)s年度 · 按资金类别") % {"year": y.year}, y.rows, y.total)
    _table(ws, t, _("首台（套）奖励 · 按认定级别"), t.by_level)
    _table(ws, t, _("按设区市"), t.by_city)

    ws.append(_bold(ws, [_("逾期未拨付企业（%(n)s 笔）") % {"n": len(t.overdue)}]))
    ws.append(
        _bold(
            ws,
            [
                _("拨付编号"),
                _("资金类别"),
                _("企业名称"),
                _("设区市"),
                _("县（市、区）"),
                _("金额（元）"),
                _("下达日期"),
                _("应拨付日期"),
                _("逾期天数"),
                _("下达文号"),
            ],
        )
    )
    for o in t.overdue:
        ws.append(
            [safe_cell(ws, v) for v in (o.number, o.kind, o.enterprise_name, o.city, o.region)]
            + [o.amount, _day(o.allocated_on), _day(o.due_on), o.days_overdue, safe_cell(ws, o.allocation_document)]
        )
    ws.append([*_bold(ws, [_("合计"), "", "", "", ""]), t.overdue_amount])
    ws.append([])

    if t.province_wide:
        ws.append(_bold(ws, [_("预算执行")]))
        ws.append(
            _bold(
                ws,
                [_("年度"), _("资金类别"), _("预算（元）"), _("已占用（元）"), _("已拨付企业（元）"), _("剩余（元）")],
            )
        )
        for b in t.budgets:
            ws.append(
                [
                    b.year,
                    b.kind_label,
                    b.amount if b.amount is not None else _("未设预算"),
                    b.committed,
                    b.disbursed,
                    b.remaining if b.remaining is not None else "",
                ]
            )
        ws.append([])

    ws.append(_bold(ws, [_("待追回资金")]))
    ws.append(_bold(ws, [_("退回方"), _("笔数"), _("应追回（元）"), _("已追回（元）"), _("待追回（元）")]))
    for r in [*t.recoveries, t.recovery_total]:
        ws.append([r.label, r.count, r.amount, r.repaid, r.outstanding])
    return _save(wb)
