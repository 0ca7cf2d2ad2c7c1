"""What changed between two frozen revisions of an application, in a form staff can read: changed fields with
their labels, table rows (indicators, IP items) added / removed / changed, and attachments added / removed /
replaced (compared by SHA-256, per type)."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .catalogue import AttachmentType
from .models import Application

# Columns of the table fields, in display order; the first column identifies a row.
TABLE_COLUMNS = {
    "indicators": [
        ("indicator", gettext_lazy("指标名称")),
        ("our_value", gettext_lazy("本产品")),
        ("domestic_best", gettext_lazy("国内同类最好")),
        ("foreign_best", gettext_lazy("国外同类最好")),
        ("source", gettext_lazy("数据来源")),
    ],
    "ip_items": [("number", gettext_lazy("编号")), ("kind", gettext_lazy("类型")), ("title", gettext_lazy("名称"))],
}
# Frozen alongside the data, but not part of what the enterprise declares.
_NOT_COMPARED = {"commitment_confirmed_at"}


def _label(name):
    try:
        return str(Application._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _display(name, value):
    """A scalar value as staff read it: choice labels instead of codes, '' for empty."""
    if value in (None, ""):
        return ""
    try:
        choices = dict(Application._meta.get_field(name).flatchoices)
    except FieldDoesNotExist:
        choices = {}
    return str(choices.get(value, value))


def _row_text(field, row):
    columns = TABLE_COLUMNS[field]
    key_col, key_label = columns[0]
    parts = [f"{label}：{row.get(col, '')}" for col, label in columns[1:] if row.get(col, "")]
    head = row.get(key_col, "") or _("（未填写%(c)s）") % {"c": key_label}
    return f"{head}（{'；'.join(parts)}）" if parts else str(head)


def _keyed(field, rows):
    """Rows grouped by their identifying column; rows with the same key pair up in order."""
    key_col = TABLE_COLUMNS[field][0][0]
    groups = {}
    for i, row in enumerate(rows or []):
        key = str(row.get(key_col, "") or "").strip() or f"#{i + 1}"
        groups.setdefault(key, []).append(row)
    return groups


def _table_changes(field, old_rows, new_rows):
    """Row-level changes: [{change, change_label, key, before, after, cells}] in the new table's order."""
    old_groups, new_groups = _keyed(field, old_rows), _keyed(field, new_rows)
    columns = TABLE_COLUMNS[field]
    changes = []
    keys = list(new_groups) + [k for k in old_groups if k not in new_groups]
    for key in keys:
        olds, news = old_groups.get(key, []), new_groups.get(key, [])
        for i in range(max(len(olds), len(news))):
            old = olds[i] if i < len(olds) else None
            new = news[i] if i < len(news) else None
            if old is not None and new is not None:
                cells = [
                    {"column": str(label), "before": old.get(col, ""), "after": new.get(col, "")}
                    for col, label in columns
                    if (old.get(col, "") or "") != (new.get(col, "") or "")
                ]
                if cells:
                    changes.append({"change": "changed", "change_label": _("修改"), "key": key,
                                    "before": _row_text(field, old), "after": _row_text(field, new),
                                    "cells": cells})
            elif new is not None:
                changes.append({"change": "added", "change_label": _("新增"), "key": key, "before": "",
                                "after": _row_text(field, new), "cells": []})
            else:
                changes.append({"change": "removed", "change_label": _("删除"), "key": key,
                                "before": _row_text(field, old), "after": "", "cells": []})
    return changes


def _line(row, side, prefixed):
    """One side of a row change as a line; added and removed rows say so."""
    return f"{row['change_label']}：{row[side]}" if row["change"] == prefixed else row[side]


def _attachment_changes(old_list, new_list):
    """Per type: files whose SHA-256 appears only in the new revision are added, only in the old one removed;
    an added and a removed file of the same type pair up as a replacement."""
    def by_type(items):
        grouped = {}
        for item in items or []:
            grouped.setdefault(item["type"], []).append(item)
        return grouped

    old_by, new_by = by_type(old_list), by_type(new_list)
    types = [t for t in AttachmentType.values if t in old_by or t in new_by]
    types += [t for t in [*new_by, *old_by] if t not in types]
    entries = []
    for type in types:
        olds, news = old_by.get(type, []), new_by.get(type, [])
        old_hashes = {a["sha256"] for a in olds}
        new_hashes = {a["sha256"] for a in news}
        removed = [a for a in olds if a["sha256"] not in new_hashes]
        added = [a for a in news if a["sha256"] not in old_hashes]
        label = _("附件：%(t)s") % {"t": AttachmentType(type).label if type in AttachmentType.values else type}
        pairs = list(zip(removed, added, strict=False))
        for old, new in pairs:
            entries.append(_attachment_entry(type, label, "replaced", _("替换"), old, new))
        for old in removed[len(pairs):]:
            entries.append(_attachment_entry(type, label, "removed", _("删除"), old, None))
        for new in added[len(pairs):]:
            entries.append(_attachment_entry(type, label, "added", _("新增"), None, new))
    return entries


def _file_text(item):
    return f"{item['name']}（SHA-256 {item['sha256'][:12]}…）" if item else ""


def _attachment_entry(type, label, change, change_label, old, new):
    return {
        "field": f"attachments.{type}", "label": label, "kind": "attachment", "change": change,
        "change_label": change_label, "before": _file_text(old), "after": _file_text(new),
        "before_id": old["id"] if old else None, "after_id": new["id"] if new else None,
    }


def diff_revisions(old, new):
    """The changes from revision `old` to revision `new` (either may be None for "nothing"):
    a list of {field, label, before, after, kind, …}. Scalar fields come first in form order, then tables
    (with `rows`: the row-level changes), then attachments (with `change`: added / removed / replaced)."""
    old_data = old.data if old is not None else {}
    new_data = new.data if new is not None else {}
    definition = (new or old).form_definition if (new or old) is not None else {}
    fields = list(definition.get("fields") or [])
    fields += [k for k in [*new_data, *old_data] if k not in fields]
    entries = []
    for name in fields:
        if name in _NOT_COMPARED:
            continue
        before, after = old_data.get(name), new_data.get(name)
        if name in TABLE_COLUMNS:
            rows = _table_changes(name, before or [], after or [])
            if rows:
                entries.append({
                    "field": name, "label": _label(name), "kind": "table", "rows": rows,
                    "before": "\n".join(_line(r, "before", "removed") for r in rows if r["before"]),
                    "after": "\n".join(_line(r, "after", "added") for r in rows if r["after"]),
                })
        elif (before or "") != (after or ""):
            entries.append({"field": name, "label": _label(name), "kind": "field",
                            "before": _display(name, before), "after": _display(name, after)})
    entries += _attachment_changes(old.attachments if old is not None else [],
                                   new.attachments if new is not None else [])
    return entries


def latest_diff(application):
    """The diff between the application's last two revisions, or None when it has fewer than two."""
    last_two = list(application.revisions.order_by("-number")[:2])
    if len(last_two) < 2:
        return None
    return diff_revisions(last_two[1], last_two[0])
