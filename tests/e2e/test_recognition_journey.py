"""Public notice, objection, recognition, certificate, verification and revocation through the real pages
(issue 5, acceptance).

A batch has two applications of 杭州测试科技有限公司 in state "proposed" (arranged through the builders: the review
has its own browser test). Province staff create the notice from 公示管理 and publish it; a member of the public,
logged out, opens the public notice and files an objection against one item with an evidence PDF and gets a
tracking number; staff dismiss it with a reply (mailed to the objector). The period is moved into the past and
staff end the notice; they recognise both items with the decision number and date (certificates render through
the Celery task, eager here). The enterprise downloads its certificate (a PDF carrying the certificate number);
the public verifies the number (valid, with the SHA-256 of the downloaded file) and finds the product in the
catalogue. Staff revoke it; verification shows revoked and the catalogue no longer lists it.
"""

import hashlib
import io
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from recognition.models import Certificate, Notice, Objection, Recognition
from tests.e2e.navigation import nav
from tests.recognition.builders import end_period, proposed_batch

from .certification_steps import PDF
from .helpers import login, logout

pytestmark = pytest.mark.e2e

PASSWORD = "Test-pass-2026"  # tests.factories.UserFactory
DECISION = "浙经信装备〔2026〕88号"
REVOCATION = "浙经信装备〔2026〕99号"
OBJECTOR_EMAIL = "li.objector@example.com"


def _alert(page, text):
    expect(page.get_by_role("alert").filter(has_text=text)).to_be_visible()


def _pdf_text(data):
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def _verify(page, number):
    """The public verification page, by number, through the form."""
    page.goto("/verify/")
    form = page.get_by_test_id("verify-form")
    form.get_by_label("证书编号").fill(number)
    form.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("证书验证结果")
    return page.get_by_test_id("verify-status")


def _catalogue_rows(page, product):
    page.goto("/catalogue/")
    expect(page.get_by_role("heading", level=1)).to_have_text("首台（套）产品推广应用指导目录")
    return page.locator("tr[data-recognition]").filter(has_text=product)


def test_notice_objection_recognition_certificate_verification_and_revocation(page, world):
    page.on("dialog", lambda dialog: dialog.accept())
    batch, (objected, other) = proposed_batch(world, 2, levels=["domestic", "provincial"])
    product = objected.product_name

    # 1. Province staff create the notice for the batch from 公示管理 and publish it.
    login(page, "prov", PASSWORD)
    nav(page, "公示管理")
    ready = page.get_by_test_id("ready-batches").get_by_role("listitem").filter(has_text=batch.name)
    ready.get_by_role("link", name="创建公示").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("创建公示")
    expect(page.get_by_test_id("proposed-applications")).to_contain_text(product)
    expect(page.get_by_test_id("proposed-applications")).to_contain_text(other.product_name)
    form = page.get_by_test_id("notice-form")
    form.get_by_label("公示开始时间").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("公示期（工作日）").fill("5")
    form.get_by_label("公示说明").fill("经企业申报、地方推荐、形式审查和专家评审，现将拟认定名单予以公示。")
    form.get_by_label("异议受理方式").fill("受理单位：浙江省经济和信息化厅装备工业处\n联系电话：0571-87050000")
    form.get_by_role("button", name="保存草稿").click()
    _alert(page, "公示草稿已创建")
    expect(page.get_by_test_id("notice-state")).to_have_text("草稿")
    expect(page.get_by_test_id("notice-items")).to_contain_text(product)
    page.get_by_role("button", name="发布公示").click()
    _alert(page, "公示已发布")
    expect(page.get_by_test_id("notice-state")).to_have_text("公示中")
    expect(page.get_by_test_id("notice-period")).to_contain_text("正在受理异议")
    notice = Notice.objects.get(batch=batch)
    assert notice.state == Notice.State.PUBLISHED and notice.ends_at > timezone.now()
    logout(page)

    # 2. A member of the public (not logged in) reads the notice and files an objection with evidence.
    nav(page, "公示公告")
    page.get_by_role("link", name=notice.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(notice.title)
    expect(page.get_by_test_id("notice-period")).to_contain_text("公示中")
    row = page.get_by_test_id("notice-items").get_by_role("row").filter(has_text=product)
    row.get_by_role("link", name="提出异议").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("提出异议")
    form = page.get_by_test_id("objection-form")
    expect(form.get_by_label("异议项目")).to_have_value(str(notice.items.get(application=objected).pk))
    form.get_by_label("异议人姓名").fill("李明")
    form.get_by_label("异议人单位").fill("宁波某机床有限公司")
    form.get_by_label("联系电话").fill("139 1234 5678")
    form.get_by_label("电子邮箱").fill(OBJECTOR_EMAIL)
    form.get_by_label("异议内容").fill("该产品的五轴联动功能与我公司2023年销售的产品相同，并非国内首台。")
    form.get_by_label("证明材料").set_input_files(
        files=[{"name": "销售合同.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    form.get_by_role("button", name="提交异议").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("异议已提交")
    tracking = page.get_by_test_id("tracking-number")
    expect(tracking).to_have_text(re.compile(r"^YY\d{4}-[A-Z2-7]{8}$"))
    tracking_number = tracking.inner_text().strip()
    objection = Objection.objects.get(tracking_number=tracking_number)
    assert objection.item.application_id == objected.pk and objection.phone == "13912345678"
    assert objection.evidence_sha256 == hashlib.sha256(PDF).hexdigest()

    # 3. Staff open the objection and dismiss it with a reply; the objector is mailed the reply.
    login(page, "prov", PASSWORD)
    nav(page, "异议处理")
    page.get_by_role("link", name=tracking_number).click()
    expect(page.get_by_test_id("objection-state")).to_have_text("已受理")
    expect(page.get_by_test_id("evidence-link")).to_have_text("销售合同.pdf")
    resolve = page.get_by_test_id("resolve-form")
    resolve.get_by_label("异议不成立").check()
    resolve.get_by_label("处理意见（答复异议人）").fill("经核实，所称产品为三轴加工设备，与公示产品技术指标不同，异议不成立。")
    resolve.get_by_role("button", name="提交处理结论").click()
    _alert(page, "异议已处理")
    expect(page.get_by_test_id("objection-state")).to_have_text("异议不成立")
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.DISMISSED
    replies = [m for m in mail.outbox if OBJECTOR_EMAIL in m.to]
    assert replies and tracking_number in replies[-1].body

    # 4. The period ends (moved into the past) and staff end the notice on its page.
    end_period(notice)
    nav(page, "公示管理")
    page.get_by_test_id("notice-table").get_by_role("link", name=notice.title).click()
    page.get_by_role("button", name="结束公示").click()
    _alert(page, "公示已结束")
    expect(page.get_by_test_id("notice-state")).to_have_text("公示结束")
    assert Notice.objects.get(pk=notice.pk).state == Notice.State.CLOSED

    # 5. Staff recognise both items with the decision number and date; the certificates are rendered.
    nav(page, "认定管理")
    page.get_by_test_id("closed-notices").get_by_role("link", name=notice.title).click()
    recognise = page.get_by_test_id("recognise-form")
    expect(recognise.get_by_test_id("ready-items").get_by_role("row")).to_have_count(3)  # header + 2 items
    expect(recognise.get_by_role("checkbox", name=product)).to_be_checked()
    expect(recognise.get_by_role("checkbox", name=other.product_name)).to_be_checked()
    recognise.get_by_label("认定文号").fill(DECISION)
    recognise.get_by_label("认定日期").fill(timezone.localdate().isoformat())
    recognise.get_by_role("button", name="认定所选项目").click()
    _alert(page, "已认定 2 项")
    rec = Recognition.objects.get(application=objected)
    number = rec.certificate_number
    table = page.get_by_test_id("recognition-table")
    expect(table.get_by_role("row").filter(has_text=product)).to_contain_text(number)
    expect(table.get_by_role("row").filter(has_text=product)).to_contain_text(DECISION)
    assert Recognition.objects.filter(batch=batch, status=Recognition.Status.VALID).count() == 2
    certificate = Certificate.objects.get(recognition=rec, current=True)
    assert certificate.state == Certificate.State.READY, "the render task (eager) did not finish"
    logout(page)

    # 6. The enterprise downloads its certificate from 我的认定.
    login(page, "ent_hz", PASSWORD)
    nav(page, "我的认定")
    mine = page.get_by_test_id("my-recognitions").get_by_role("row").filter(has_text=number)
    expect(mine).to_contain_text(product)
    with page.expect_download() as download_info:
        mine.get_by_test_id("download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert number in text and product in text and world.ent_hz.name in text
    fingerprint = hashlib.sha256(data).hexdigest()
    assert fingerprint == certificate.sha256
    logout(page)

    # 7. The public finds it in the catalogue and verifies it by number: valid, with the file's fingerprint.
    expect(_catalogue_rows(page, product)).to_have_count(1)
    expect(_catalogue_rows(page, product)).to_contain_text(number)
    status = _verify(page, number)
    expect(status).to_have_attribute("data-status", "valid")
    expect(status).to_contain_text("有效")
    facts = page.get_by_test_id("verify-facts")
    expect(facts).to_contain_text(world.ent_hz.name)
    expect(facts).to_contain_text(product)
    expect(facts).to_contain_text("国内首台（套）")
    expect(page.get_by_test_id("verify-versions").locator('code[data-version="1"]')).to_have_text(fingerprint)

    # 8. Staff revoke the recognition with the reason and the document number.
    login(page, "prov", PASSWORD)
    nav(page, "认定管理")
    page.get_by_test_id("recognition-table").get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    revoke = page.get_by_test_id("revoke-form")
    revoke.get_by_label("撤销文号").fill(REVOCATION)
    revoke.get_by_label("撤销理由").fill("企业提供的首台销售合同经核查不属实。")
    revoke.get_by_role("button", name="撤销认定").click()
    _alert(page, f"已撤销认定 {number}")
    expect(page.get_by_test_id("revoked")).to_contain_text(REVOCATION)
    assert Recognition.objects.get(pk=rec.pk).status == Recognition.Status.REVOKED
    logout(page)

    # 9. Verification shows revoked; the catalogue drops the product and keeps the other one.
    status = _verify(page, number)
    expect(status).to_have_attribute("data-status", "revoked")
    expect(status).to_contain_text("已撤销")
    expect(status).to_contain_text(REVOCATION)
    expect(_catalogue_rows(page, product)).to_have_count(0)
    expect(_catalogue_rows(page, other.product_name)).to_have_count(1)
