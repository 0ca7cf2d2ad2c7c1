"""The panel results as an Excel workbook for province staff: one sheet per panel, ranked."""

import re
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.fields import INDUSTRY_FIELDS
from certification.catalogue import Level
from certification.exports import safe_cell

from .models import Proposal, ScoreSheet


def _columns():
    fields, levels = dict(INDUSTRY_FIELDS), dict(Level.choices)
    votes, outcomes = dict(ScoreSheet.Vote.choices), dict(Proposal.Outcome.choices)
    columns = [
        (_("组内排名"), 8, lambda r: r.rank),
        (_("受理编号"), 14, lambda r: r.number),
        (_("申报企业"), 30, lambda r: r.enterprise),
        (_("产品名称"), 30, lambda r: r.product_name),
        (_("所属领域"), 26, lambda r: str(fields.get(r.field, r.field))),
        (_("申报级别"), 16, lambda r: str(levels.get(r.declared_level, ""))),
        (_("已提交评分表"), 10, lambda r: r.sheets),
        (_("未提交评分表"), 10, lambda r: r.pending),
        (_("评审得分"), 10, lambda r: r.score),
        (_("标准差"), 8, lambda r: r.aggregate.stdev),
        (_("分歧较大"), 8, lambda r: _("是") if r.aggregate.dispersed else ""),
    ]
    for vote, label in ScoreSheet.Vote.choices:
        columns.append((_("推荐%(level)s票数") % {"level": label}, 10, lambda r, v=vote: r.votes[v]))
    columns += [
        (_("多数推荐级别"), 16, lambda r: str(votes.get(r.majority, _("（无多数）")))),
        (_("拟认定结果"), 16, lambda r: str(outcomes.get(r.proposal, ""))),
    ]
    return columns


def _sheet_title(name, taken):
    """A worksheet title Excel accepts (no / \\ ? * [ ] :, at most 31 characters), unique in the workbook."""
    title = re.sub(r"[/\\?*\[\]:]", "_", name)[:31] or "_"
    base, n = title, 2
    while title in taken:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def results_workbook(rows):
    """rows: results.ranking(...) output; one worksheet per panel, in ranking order."""
    columns = _columns()
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    groups = {}
    for row in rows:
        groups.setdefault(row.panel.name if row.panel else _("未分组"), []).append(row)
    if not groups:
        groups[_("评审结果")] = []
    titles = set()
    for name, members in groups.items():
        ws = wb.create_sheet(_sheet_title(name, titles))
        for i, (_title, width, _get) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        header = []
        for title, _width, _get in columns:
            cell = WriteOnlyCell(ws, value=str(title))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in members:
            ws.append([safe_cell(ws, get(row)) for _title, _width, get in columns])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
