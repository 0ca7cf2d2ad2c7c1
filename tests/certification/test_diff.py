"""Diffs between frozen revisions: changed fields, table rows, attachments by SHA-256."""

from certification.diff import diff_revisions, latest_diff
from certification.models import ApplicationRevision
from certification.services.applications import DATA_FIELDS, decide, resubmit, update_draft
from certification.services.attachments import remove_attachment, upload_attachment
from tests.certification.helpers import PDF_BYTES, open_batch, pdf, submitted

ROW = {"indicator": "定位精度", "our_value": "0.004 mm", "domestic_best": "0.006 mm", "foreign_best": "0.004 mm",
       "source": "检测报告"}


def revision(data=None, attachments=None):
    """An unsaved revision: the diff reads only data, attachments and form_definition."""
    return ApplicationRevision(data=data or {}, attachments=attachments or [],
                               form_definition={"fields": DATA_FIELDS})


def file(id, type, sha, name="f.pdf"):
    return {"id": id, "type": type, "name": name, "sha256": sha * 64, "size": 10}


def by_field(entries):
    return {e["field"]: e for e in entries}


def test_diff_after_return_and_resubmission(world):
    batch = open_batch(world.province_user)
    app = submitted(world.ent_hz_user, world.ent_hz, batch)
    decide(actor=world.binjiang_user, application_id=app.pk, action="county_return", opinion="请补充指标",
           items=["补充关键技术指标", "更换检测报告"])
    new_row = {"indicator": "重复定位精度", "our_value": "0.002 mm", "domestic_best": "0.003 mm",
               "foreign_best": "0.002 mm", "source": "省计量院"}
    update_draft(actor=world.ent_hz_user, application_id=app.pk, innovation_points="新增热误差补偿。",
                 indicators=[*app.indicators, new_row])
    old_report = app.attachments.get(type="test_report")
    remove_attachment(actor=world.ent_hz_user, attachment_id=old_report.pk)
    new_report = upload_attachment(actor=world.ent_hz_user, application_id=app.pk, type="test_report",
                                   uploaded_file=pdf("新检测报告.pdf", PDF_BYTES + b"2026"))
    resubmit(actor=world.ent_hz_user, application_id=app.pk)

    entries = by_field(latest_diff(app))

    assert set(entries) == {"innovation_points", "indicators", "attachments.test_report"}
    assert entries["innovation_points"]["label"] == "创新点"
    assert entries["innovation_points"]["before"] == "五轴联动精度达到国际先进水平。"
    assert entries["innovation_points"]["after"] == "新增热误差补偿。"
    table = entries["indicators"]
    assert table["label"] == "关键技术指标"
    assert [(r["change"], r["key"]) for r in table["rows"]] == [("added", "重复定位精度")]
    assert "新增：重复定位精度" in table["after"]
    assert "本产品：0.002 mm" in table["after"]
    replaced = entries["attachments.test_report"]
    assert replaced["change"] == "replaced"
    assert replaced["label"] == "附件：检测报告"
    assert replaced["before"].startswith(old_report.name)
    assert replaced["after"].startswith("新检测报告.pdf")
    assert (replaced["before_id"], replaced["after_id"]) == (old_report.pk, new_report.pk)


def test_latest_diff_single_revision_none(world):
    app = submitted(world.ent_hz_user, world.ent_hz, open_batch(world.province_user))

    assert latest_diff(app) is None


def test_diff_identical_revisions_empty():
    data = {"product_name": "机床", "indicators": [ROW]}
    files = [file(1, "test_report", "a")]

    assert diff_revisions(revision(data, files), revision(dict(data), list(files))) == []


def test_diff_choice_fields_show_labels():
    entries = by_field(diff_revisions(revision({"declared_level": "provincial"}),
                                      revision({"declared_level": "domestic"})))

    assert entries["declared_level"]["label"] == "申报级别"
    assert entries["declared_level"]["before"] == "省内首台（套）"
    assert entries["declared_level"]["after"] == "国内首台（套）"


def test_diff_table_row_changed_and_removed():
    other = {**ROW, "indicator": "主轴转速", "our_value": "20000 rpm"}
    old = revision({"indicators": [ROW, other]})
    new = revision({"indicators": [{**ROW, "our_value": "0.003 mm"}]})

    rows = by_field(diff_revisions(old, new))["indicators"]["rows"]

    assert [(r["change"], r["key"]) for r in rows] == [("changed", "定位精度"), ("removed", "主轴转速")]
    assert rows[0]["cells"] == [{"column": "本产品", "before": "0.004 mm", "after": "0.003 mm"}]
    assert "主轴转速" in rows[1]["before"] and rows[1]["after"] == ""


def test_diff_ip_items_added_row():
    patent = {"kind": "发明专利", "number": "ZL1", "title": "控制方法"}
    software = {"kind": "软件著作权", "number": "2026SR1", "title": "数控系统"}

    entry = by_field(diff_revisions(revision({"ip_items": [patent]}), revision({"ip_items": [patent, software]})))

    assert [(r["change"], r["key"]) for r in entry["ip_items"]["rows"]] == [("added", "2026SR1")]


def test_diff_attachments_added_removed_unchanged():
    old = revision(attachments=[file(1, "test_report", "a"), file(2, "novelty_search", "b")])
    new = revision(attachments=[file(1, "test_report", "a"), file(3, "ip_certificates", "c")])

    entries = by_field(diff_revisions(old, new))

    assert entries["attachments.novelty_search"]["change"] == "removed"
    assert entries["attachments.ip_certificates"]["change"] == "added"
    assert "attachments.test_report" not in entries


def test_diff_commitment_time_not_compared():
    old = revision({"commitment_confirmed_at": "2026-01-01T00:00:00+00:00"})
    new = revision({"commitment_confirmed_at": "2026-02-01T00:00:00+00:00"})

    assert diff_revisions(old, new) == []
