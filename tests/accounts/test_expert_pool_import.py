"""Excel import of experts: the template, all-or-nothing, a row-by-row report naming the column."""

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from accounts import expert_import
from accounts.models import ExpertProfile, Organisation, User
from audit.models import AuditEvent
from notifications.models import Notification
from tests import factories as f
from tests.accounts.expert_pool_helpers import HEADERS, pool_counts, xlsx_row, xlsx_upload
from tests.accounts.helpers import wrong_check_digit


def _two_good_rows():
    uscc = f.make_uscc(770001)
    return [
        xlsx_row(),
        xlsx_row(姓名="赵研究员", 用户名="zhao_res", 邮箱="zhao@example.cn", 手机=13800005678, 职称="正高级工程师",
                 专业领域="robotics；components", 工作单位="浙江测试大学", 工作单位统一社会信用代码=uscc,
                 所在地区="330106", 备注="机械"),
    ]


def test_template_has_the_header_row_in_order():
    wb = load_workbook(BytesIO(expert_import.template_workbook()))

    assert [c.value for c in wb.worksheets[0][1]] == HEADERS
    assert HEADERS == ["姓名", "用户名", "邮箱", "手机", "职称", "专业领域", "工作单位", "工作单位统一社会信用代码",
                       "所在地区", "备注"]


@pytest.mark.django_db
def test_good_file_creates_every_expert_with_audit_and_invitations(world):
    rows = _two_good_rows()
    shared_uscc = rows[0]["工作单位统一社会信用代码"]
    rows[1]["工作单位统一社会信用代码"] = shared_uscc  # both at one new employer

    report = expert_import.import_experts(actor=world.province_user, upload=xlsx_upload(rows))

    assert report.ok and report.created == 2
    assert [(r.row, r.status) for r in report.rows] == [(2, "ok"), (3, "ok")]
    wang = ExpertProfile.objects.get(user__username="wang_prof")
    zhao = ExpertProfile.objects.get(user__username="zhao_res")
    assert wang.fields == ["medical", "robotics"] and wang.title == "研究员" and wang.region.code == "3301"
    assert zhao.fields == ["robotics", "components"] and zhao.user.phone == "13800005678"
    assert zhao.region.code == "330106" and zhao.note == "机械"
    assert wang.employer == zhao.employer and Organisation.objects.filter(uscc=shared_uscc).count() == 1
    assert AuditEvent.objects.filter(action="expert.created").count() == 2
    summary = AuditEvent.objects.get(action="expert.imported")
    assert summary.after["count"] == 2 and sorted(summary.after["experts"]) == sorted([wang.pk, zhao.pk])
    assert Notification.objects.filter(kind="account.expert_invited").count() == 2


@pytest.mark.django_db
def test_employer_by_name_alone_uses_the_registered_organisation(world):
    row = xlsx_row(工作单位=world.ent_nb.name, 工作单位统一社会信用代码="", 所在地区="")

    report = expert_import.import_experts(actor=world.province_user, upload=xlsx_upload([row]))

    assert report.ok
    profile = ExpertProfile.objects.get(user__username="wang_prof")
    assert profile.employer == world.ent_nb and profile.region is None


@pytest.mark.django_db
def test_one_bad_row_writes_nothing_and_reports_that_row_and_column(world):
    rows = _two_good_rows()
    rows.append(xlsx_row(姓名="钱工", 用户名="qian", 邮箱="qian@example.cn", 职称="工程师"))
    before = pool_counts()

    report = expert_import.import_experts(actor=world.province_user, upload=xlsx_upload(rows))

    assert not report.ok and report.created == 0 and report.error_count == 1
    assert [r.status for r in report.rows] == ["ok", "ok", "error"]
    bad = report.rows[2]
    assert bad.row == 4 and bad.username == "qian"
    assert len(bad.messages) == 1 and bad.messages[0].startswith("职称：")
    assert pool_counts() == before


@pytest.mark.parametrize(("cells", "column"), [
    ({"邮箱": ""}, "邮箱"),
    ({"邮箱": "ent_hz@example.com"}, "邮箱"),
    ({"用户名": "prov"}, "用户名"),
    ({"手机": "110"}, "手机"),
    ({"专业领域": "航空航天"}, "专业领域"),
    ({"工作单位": "", "工作单位统一社会信用代码": ""}, "工作单位"),
    ({"工作单位": "无此单位", "工作单位统一社会信用代码": ""}, "工作单位统一社会信用代码"),
    ({"工作单位统一社会信用代码": wrong_check_digit(f.make_uscc(770002))}, "工作单位统一社会信用代码"),
    ({"所在地区": "火星市"}, "所在地区"),
])
@pytest.mark.django_db
def test_row_errors_name_the_column(world, cells, column):
    report = expert_import.import_experts(actor=world.province_user, upload=xlsx_upload([xlsx_row(**cells)]))

    assert not report.ok
    assert any(m.startswith(f"{column}：") for m in report.rows[0].messages), report.rows[0].messages
    assert not User.objects.filter(username="wang_prof").exists()


@pytest.mark.django_db
def test_duplicates_within_the_file_are_reported_on_the_later_row(world):
    rows = [xlsx_row(), xlsx_row(姓名="王二", 邮箱="other@example.cn"), xlsx_row(用户名="wang3", 邮箱="WANG.PROF@example.cn")]
    before = pool_counts()

    report = expert_import.import_experts(actor=world.province_user, upload=xlsx_upload(rows))

    assert [r.status for r in report.rows] == ["ok", "error", "error"]
    assert report.rows[1].messages == ["用户名：与第2行重复。"]
    assert report.rows[2].messages == ["邮箱：与第2行重复。"]
    assert pool_counts() == before


@pytest.mark.django_db
def test_blank_rows_are_skipped_and_row_numbers_are_the_sheets(world):
    rows = [xlsx_row(), {}, xlsx_row(用户名="second", 邮箱="second@example.cn", 职称="讲师")]

    report = expert_import.import_experts(actor=world.province_user, upload=xlsx_upload(rows))

    assert [(r.row, r.status) for r in report.rows] == [(2, "ok"), (4, "error")]


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("experts.csv", "姓名,用户名\n".encode()), ".xlsx"),
    (SimpleUploadedFile("experts.xlsx", b"not a zip at all"), "无法读取"),
    (xlsx_upload([xlsx_row()], headers=["姓名", "用户名", "邮箱"]), "手机"),
    (xlsx_upload([]), "没有专家数据"),
])
@pytest.mark.django_db
def test_unreadable_or_wrong_files_are_refused_with_a_clear_error(world, upload, message):
    before = pool_counts()

    with pytest.raises(ValidationError) as excinfo:
        expert_import.import_experts(actor=world.province_user, upload=upload)

    assert message in excinfo.value.message_dict["file"][0]
    assert pool_counts() == before


@pytest.mark.django_db
def test_more_rows_than_the_cap_are_refused(world, monkeypatch):
    monkeypatch.setattr(expert_import, "MAX_ROWS", 2)
    rows = [xlsx_row(用户名=f"u{i}", 邮箱=f"u{i}@example.cn") for i in range(3)]

    with pytest.raises(ValidationError) as excinfo:
        expert_import.import_experts(actor=world.province_user, upload=xlsx_upload(rows))

    assert "最多导入2行" in excinfo.value.message_dict["file"][0]


@pytest.mark.parametrize("who", ["hz_user", "ent_hz_user", "expert_user", "finance_user"])
@pytest.mark.django_db
def test_only_province_industry_staff_may_import(world, who):
    with pytest.raises(PermissionDenied):
        expert_import.import_experts(actor=getattr(world, who), upload=xlsx_upload([xlsx_row()]))

    assert not User.objects.filter(username="wang_prof").exists()
