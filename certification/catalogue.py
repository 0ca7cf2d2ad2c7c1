"""Reference lists of the recognition programme: categories, forms, levels, attachment types (stable codes)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    EQUIPMENT = "equipment", _("首台（套）装备")
    NEW_MATERIAL = "new_material", _("首批次新材料")
    SOFTWARE = "software", _("首版次软件")


class EquipmentForm(models.TextChoices):
    COMPLETE = "complete", _("整机")
    SET = "set", _("成套")
    COMPONENT = "component", _("零部件")


class Level(models.TextChoices):
    INTERNATIONAL = "international", _("国际首台（套）")
    DOMESTIC = "domestic", _("国内首台（套）")
    PROVINCIAL = "provincial", _("省内首台（套）")


class AttachmentType(models.TextChoices):
    APPLICATION_FORM = "application_form", _("申报表")
    APPLICATION_REPORT = "application_report", _("申报报告")
    COMMITMENT = "commitment", _("承诺书")
    TEST_REPORT = "test_report", _("检测报告")
    IP_CERTIFICATES = "ip_certificates", _("知识产权证明")
    NOVELTY_SEARCH = "novelty_search", _("查新报告")
    SALES_EVIDENCE = "sales_evidence", _("销售合同或发票")
    FINANCIAL_REPORT = "financial_report", _("上年度审计报告")
    USER_REPORT = "user_report", _("用户使用报告")
    PRODUCT_PHOTO = "product_photo", _("产品照片")


# Formats an attachment may have, checked by the file's bytes.
FORMAT_PDF = "pdf"
FORMAT_IMAGE = "image"

_DOCS = [
    AttachmentType.APPLICATION_FORM, AttachmentType.APPLICATION_REPORT, AttachmentType.COMMITMENT,
    AttachmentType.TEST_REPORT, AttachmentType.IP_CERTIFICATES, AttachmentType.NOVELTY_SEARCH,
    AttachmentType.SALES_EVIDENCE, AttachmentType.FINANCIAL_REPORT, AttachmentType.USER_REPORT,
]


def default_attachment_requirements():
    """Per category, the attachment types a batch asks for (domain.md §3, step 2). Staff edit them per batch."""
    rule = {
        t.value: {"required": True, "formats": [FORMAT_PDF], "max_mb": 20, "max_count": 5} for t in _DOCS
    }
    rule[AttachmentType.IP_CERTIFICATES.value]["max_count"] = 20
    rule[AttachmentType.USER_REPORT.value]["required"] = False
    rule[AttachmentType.PRODUCT_PHOTO.value] = {
        "required": False, "formats": [FORMAT_PDF, FORMAT_IMAGE], "max_mb": 10, "max_count": 6,
    }
    return {c.value: {k: dict(v) for k, v in rule.items()} for c in Category}
