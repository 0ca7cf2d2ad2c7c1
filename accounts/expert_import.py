"""Adding experts from an Excel file (.xlsx): the template, row-by-row validation, all-or-nothing import."""

import re
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from audit.services import record

from .experts import Lookups, clean_expert, create_validated, require_manager
from .fields import INDUSTRY_FIELDS
from .models import SENIOR_TITLES, ExpertProfile, Organisation, Region, User, normalise_uscc
from .roles import acting_organisation

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The header row is the file's contract with the people filling it in: the same text in every language.
COLUMNS = [
    ("display_name", "姓名", True),
    ("username", "用户名", True),
    ("email", "邮箱", True),
    ("phone", "手机", True),
    ("title", "职称", True),
    ("fields", "专业领域", True),
    ("employer_name", "工作单位", True),
    ("employer_uscc", "工作单位统一社会信用代码", False),
    ("region", "所在地区", False),
    ("note", "备注", False),
]
HEADER = {key: header for key, header, _required in COLUMNS}
# Validation errors keyed by service field → the column they are about.
COLUMN_OF = {**HEADER, "employer": HEADER["employer_name"]}
FIELD_SEPARATORS = re.compile(r"[、,，;；\n]+")


@dataclass
class RowReport:
    row: int
    display_name: str = ""
    username: str = ""
    messages: list = field(default_factory=list)

    @property
    def status(self):
        return "error" if self.messages else "ok"


@dataclass
class ImportReport:
    rows: list
    created: int = 0

    @property
    def error_count(self):
        return sum(1 for r in self.rows if r.messages)

    @property
    def ok(self):
        return self.error_count == 0

    def as_dict(self):
        return {
            "ok": self.ok, "created": self.created, "total": len(self.rows), "error_count": self.error_count,
            "rows": [{"row": r.row, "status": r.status, "display_name": r.display_name, "username": r.username,
                      "messages": r.messages} for r in self.rows],
        }


def template_workbook():
    """The import template as .xlsx bytes: the header row, a 职称 drop-down, and a sheet of allowed values."""
    wb = Workbook()
    ws = wb.active
    ws.title = "专家"
    ws.append([header for _key, header, _required in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJ", (10, 16, 26, 16, 16, 30, 30, 26, 16, 30), strict=True):
        ws.column_dimensions[letter].width = width
    titles = DataValidation(type="list", formula1='"' + ",".join(SENIOR_TITLES) + '"', allow_blank=True)
    titles.add(f"E2:E{MAX_ROWS + 1}")
    ws.add_data_validation(titles)
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet("填写说明")
    help_ws.column_dimensions["A"].width = 30
    help_ws.column_dimensions["B"].width = 60
    help_ws.append(["必填列", "姓名、用户名、邮箱、手机、职称、专业领域、工作单位"])
    help_ws.append(["专业领域", "填写领域名称或代码，多个用 、 或 , 或 ； 分隔"])
    help_ws.append(["工作单位", "已登记的单位可只填名称；新单位须同时填写统一社会信用代码"])
    help_ws.append(["所在地区", "设区市或县（市、区）的名称或行政区划代码，可不填"])
    help_ws.append(["行数上限", str(MAX_ROWS)])
    help_ws.append([])
    help_ws.append(["职称（可选值）"])
    for title in SENIOR_TITLES:
        help_ws.append(["", title])
    help_ws.append([])
    help_ws.append(["专业领域代码", "专业领域名称"])
    for code, label in INDUSTRY_FIELDS:
        help_ws.append([code, str(label)])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed as a number
    return str(value).strip()


def read_rows(upload):
    """The data rows of an uploaded file as (row number, {column key: text}); refuses what it cannot read."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise ValidationError({"file": _("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。")})
    if getattr(upload, "size", 0) > MAX_BYTES:
        raise ValidationError({"file": _("文件不能超过5 MB。")})
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
        try:
            return _data_rows(wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError):
        raise ValidationError({"file": _("无法读取该文件，请使用导入模板另存为 .xlsx 后重新上传。")}) from None


def _data_rows(sheet_rows):
    headers = [_cell_text(v) for v in next(sheet_rows, None) or ()]
    if not headers:
        raise ValidationError({"file": _("文件是空的，请使用导入模板。")})
    missing = [header for _key, header, required in COLUMNS if required and header not in headers]
    if missing:
        raise ValidationError({"file": _("表头缺少以下列：%(cols)s。请使用导入模板。") % {"cols": "、".join(missing)}})
    index = {key: headers.index(header) for key, header, _required in COLUMNS if header in headers}
    rows = []
    for number, values in enumerate(sheet_rows, start=2):
        cells = {key: _cell_text(values[i]) if i < len(values) else "" for key, i in index.items()}
        if not any(cells.values()):
            continue
        if len(rows) == MAX_ROWS:
            raise ValidationError({"file": _("一次最多导入%(n)s行，请分批导入。") % {"n": MAX_ROWS}})
        rows.append((number, {key: cells.get(key, "") for key, _header, _required in COLUMNS}))
    if not rows:
        raise ValidationError({"file": _("文件中没有专家数据（第2行起填写）。")})
    return rows


class FileLookups(Lookups):
    """Look-ups for a whole file in a few queries, instead of several per row."""

    def __init__(self, rows):
        usernames = {r["username"].lower() for _n, r in rows if r["username"]}
        emails = {r["email"].lower() for _n, r in rows if r["email"]}
        usccs = {normalise_uscc(r.get("employer_uscc", "").upper()) for _n, r in rows} - {""}
        names = {r["employer_name"] for _n, r in rows if r["employer_name"] and not r.get("employer_uscc")}
        self.usernames = set(User.objects.annotate(k=Lower("username")).filter(k__in=usernames).values_list("k", flat=True))
        self.emails = set(User.objects.annotate(k=Lower("email")).filter(k__in=emails).values_list("k", flat=True))
        self.orgs = {o.uscc: o for o in Organisation.objects.filter(uscc__in=usccs)}
        self.orgs_by_name = {}
        for org in Organisation.objects.filter(name__in=names):
            self.orgs_by_name.setdefault(org.name, []).append(org)
        self.regions = list(Region.objects.select_related("parent"))

    def username_taken(self, username, user_id=None):
        return username.lower() in self.usernames

    def email_taken(self, email, user_id=None):
        return email.lower() in self.emails

    def org_by_uscc(self, uscc):
        return self.orgs.get(uscc)

    def region(self, text):
        compact = text.replace(" ", "")
        found = [r for r in self.regions if compact in (r.code, r.name, r.full_name.replace(" ", ""))]
        return found


def _field_codes(text):
    by_label = {str(label): code for code, label in INDUSTRY_FIELDS}
    codes = []
    for token in (t.strip() for t in FIELD_SEPARATORS.split(text)):
        if token:
            codes.append(by_label.get(token, token.lower() if token.lower() in dict(INDUSTRY_FIELDS) else token))
    return codes


def _row_values(cells, lookups, problems):
    values = dict(cells)
    values["fields"] = _field_codes(cells["fields"])
    region_text = cells.get("region", "")
    values["region"] = None
    if region_text:
        found = lookups.region(region_text)
        if len(found) == 1:
            values["region"] = found[0]
        else:
            problems["region"] = _("无法识别的地区：%(r)s（请填写设区市或县（市、区）的名称或代码）。") % {"r": region_text}
    if cells["employer_name"] and not cells.get("employer_uscc"):
        same_name = lookups.orgs_by_name.get(cells["employer_name"], [])
        if len(same_name) == 1:
            values["employer"] = same_name[0]
        elif len(same_name) > 1:
            problems["employer_uscc"] = _("有多个同名单位，请填写统一社会信用代码。")
    return values


def validate_rows(rows):
    """Check every row (against the database and the other rows). Returns (report, validated data per row)."""
    lookups = FileLookups(rows)
    report = ImportReport(rows=[])
    cleaned = []
    first_seen = {"username": {}, "email": {}}
    for number, cells in rows:
        entry = RowReport(row=number, display_name=cells["display_name"], username=cells["username"])
        problems = {}
        values = _row_values(cells, lookups, problems)
        try:
            data = clean_expert(values, lookups=lookups)
        except ValidationError as exc:
            data = None
            for key, messages in exc.message_dict.items():
                problems.setdefault(key, _("请填写工作单位名称（新单位还需填写统一社会信用代码）。")
                                    if key == "employer" else messages[0])
        for key in ("username", "email"):
            value = cells[key].lower()
            if not value:
                continue
            if value in first_seen[key] and key not in problems:
                problems[key] = _("与第%(n)s行重复。") % {"n": first_seen[key][value]}
            first_seen[key].setdefault(value, number)
        entry.messages = [f"{COLUMN_OF.get(key, key)}：{message}" for key, message in problems.items()]
        report.rows.append(entry)
        cleaned.append(data)
    return report, cleaned


def import_experts(*, actor, upload):
    """Validate every row of the file, then add them all in one transaction, or none when any row fails.

    Side effects (only when every row is valid): what create_expert does for each row, in one transaction;
    one summary audit event for the import. Raises ValidationError({"file": …}) for an unreadable file.
    """
    require_manager(actor)
    rows = read_rows(upload)
    report, cleaned = validate_rows(rows)
    if not report.ok:
        return report
    profiles = []
    try:
        with transaction.atomic():
            for entry, data in zip(report.rows, cleaned, strict=True):
                try:
                    profiles.append(create_validated(actor, data))
                except ValidationError as exc:
                    # A username taken between the check and the write: nothing is kept; the row says why.
                    entry.messages = [f"{COLUMN_OF.get(k, k)}：{m[0]}" for k, m in exc.message_dict.items()]
                    raise
            record(action="expert.imported", actor=actor, organisation=acting_organisation(actor),
                   object_type=ExpertProfile._meta.label, object_id="", object_repr=getattr(upload, "name", ""),
                   after={"count": len(profiles), "file": getattr(upload, "name", ""),
                          "experts": [p.pk for p in profiles]})
    except ValidationError:
        return report
    report.created = len(profiles)
    return report
