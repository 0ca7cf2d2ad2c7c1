"""Excel exports of insurance compensation (openpyxl, write-only): the claim list and the policy list, each from a
queryset already scoped to the user (queries.py) and filtered. Used by the pages and the API."""

from io import BytesIO

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from certification.catalogue import Level
from certification.exports import safe_cell

from .models import Claim, Policy, PolicyUnit

CHUNK = 2000


def _when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _day(value):
    return value.isoformat() if value else ""


def _yes_no(value):
    if value is None:
        return ""
    return str(_("是")) if value else str(_("否"))


def _workbook(title, columns, rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for i, (_title, width, _get) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name, _width, _get in columns:
        cell = WriteOnlyCell(ws, value=str(name))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([safe_cell(ws, get(row)) for _title, _width, get in columns])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _claim_columns():
    states, levels = dict(Claim.State.choices), dict(Level.choices)
    return [
        (_("申请编号"), 14, lambda c: c.number),
        (_("申请企业"), 30, lambda c: c.enterprise.name),
        (_("统一社会信用代码"), 22, lambda c: c.enterprise.uscc),
        (_("设区市"), 10, lambda c: c.city.name),
        (_("县（市、区）"), 12, lambda c: c.region.name),
        (_("证书编号"), 20, lambda c: c.recognition.certificate_number),
        (_("产品名称"), 30, lambda c: c.recognition.product_name),
        (_("认定级别"), 16, lambda c: str(levels.get(c.recognition.level, c.recognition.level))),
        (_("补偿年度（第几年）"), 10, lambda c: c.cover_year),
        (_("保单号"), 28, lambda c: "、".join(p.policy_number for p in c.policies.all())),
        (_("状态"), 12, lambda c: str(states.get(c.state, c.state))),
        (_("符合条件"), 8, lambda c: _yes_no(c.eligible)),
        (_("测算补偿金额（元）"), 16, lambda c: c.computed_amount),
        (_("核定补偿金额（元）"), 16, lambda c: c.approved_amount),
        (_("核定金额调整理由"), 24, lambda c: c.adjustment_reason),
        (_("适用规则版本"), 12, lambda c: str(c.rule_set) if c.rule_set_id else ""),
        (_("提交时间"), 17, lambda c: _when(c.submitted_at)),
        (_("核定时间"), 17, lambda c: _when(c.approved_at)),
    ]


def claims_workbook(claims):
    """The claims (a queryset scoped to the user and filtered, e.g. claims_visible_to) as .xlsx bytes, one row
    each, in the queryset's order. Reads in a constant number of queries (the policies are prefetched)."""
    qs = claims.select_related("enterprise", "recognition", "city", "region", "rule_set").prefetch_related(
        Prefetch("policies", queryset=Policy.objects.only("id", "policy_number").order_by("policy_number")))
    return _workbook(_("补偿申请清单"), _claim_columns(), qs.iterator(chunk_size=CHUNK))


def _policy_columns():
    return [
        (_("保单号"), 20, lambda p: p.policy_number),
        (_("保险机构"), 30, lambda p: p.insurer.name),
        (_("投保企业"), 30, lambda p: p.enterprise.name),
        (_("证书编号"), 20, lambda p: p.recognition.certificate_number),
        (_("产品名称"), 30, lambda p: p.recognition.product_name),
        (_("用户单位"), 30, lambda p: p.buyer.name),
        (_("投保设备（台/套）"), 10, lambda p: len(p.units.all())),
        (_("设备价值（元）"), 16, lambda p: p.equipment_value),
        (_("保费（元）"), 14, lambda p: p.premium),
        (_("责任限额（元）"), 16, lambda p: p.coverage_limit),
        (_("保险起期"), 11, lambda p: _day(p.starts_on)),
        (_("保险止期"), 11, lambda p: _day(p.ends_on)),
        (_("保费全额缴清日期"), 11, lambda p: _day(p.premium_paid_on)),
        (_("续保自"), 20, lambda p: p.renewal_of.policy_number if p.renewal_of_id else ""),
        (_("已获国家保险补偿"), 8, lambda p: _yes_no(p.national_compensation)),
        (_("录入时间"), 17, lambda p: _when(p.created_at)),
    ]


def policies_workbook(policies):
    """The policies (a queryset scoped to the user and filtered, e.g. policies_visible_to) as .xlsx bytes, one
    row each, in the queryset's order, with the number of insured units. Constant number of queries."""
    qs = policies.select_related("enterprise", "recognition", "insurer", "buyer", "renewal_of").prefetch_related(
        Prefetch("units", queryset=PolicyUnit.objects.only("id", "policy_id")))
    return _workbook(_("保单清单"), _policy_columns(), qs.iterator(chunk_size=CHUNK))
