"""Notification kinds: stable codes, a label, and whether the e-mail copy may be turned off."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    email_optional: bool = True


KINDS = {
    k.code: k
    for k in [
        Kind("account.verify_email", _("邮箱验证"), email_optional=False),
        Kind("org.review_requested", _("单位注册待审核")),
        Kind("org.approved", _("单位注册审核通过"), email_optional=False),
        Kind("org.rejected", _("单位注册未通过"), email_optional=False),
        Kind("account.expert_invited", _("专家库入库邀请"), email_optional=False),
        Kind("system.message", _("系统消息")),
        Kind("batch.published", _("认定批次开始申报")),
        Kind("application.received", _("申报受理回执"), email_optional=False),
        Kind("application.to_review", _("申报待审核")),
        Kind("application.decision", _("申报审核结果"), email_optional=False),
        Kind("application.withdrawn", _("申报撤回")),
        Kind("review.assigned", _("专家评审任务"), email_optional=False),
        Kind("review.reminder", _("专家评审截止提醒")),
        Kind("review.changed", _("评审任务调整")),
        Kind("review.recused", _("专家回避待补派")),
        Kind("notice.objection", _("公示异议待处理")),
        Kind("notice.published", _("公示已发布")),
        Kind("notice.closed", _("公示已结束")),
        Kind("recognition.granted", _("认定结果"), email_optional=False),
        Kind("recognition.certificate", _("证书已签发")),
        Kind("recognition.revoked", _("认定已撤销"), email_optional=False),
        Kind("claim.to_review", _("保险补偿申请待审核")),
        Kind("claim.decision", _("保险补偿审核结果"), email_optional=False),
        Kind("payout.to_approve", _("资金拨付待审核")),
        Kind("payout.allocated", _("资金已下达")),
        Kind("payout.disbursed", _("资金已拨付"), email_optional=False),
        Kind("payout.rejected", _("不予拨付"), email_optional=False),
        Kind("payout.overdue", _("资金拨付逾期"), email_optional=False),
        Kind("recovery.opened", _("资金追回"), email_optional=False),
        Kind("account.buyer_invited", _("采购人账号开通"), email_optional=False),
        Kind("purchase.objection", _("单一来源公示异议待补充论证")),
        Kind("purchase.notice_closed", _("单一来源公示已结束")),
        Kind("purchase.awarded", _("政府首购成交")),
        Kind("purchase.notice_published", _("单一来源公示已发布")),
        Kind("purchase.cancelled", _("政府首购项目终止")),
    ]
}


def get(code):
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(f"unknown notification kind {code!r}") from None


def choices():
    return [(k.code, k.label) for k in KINDS.values()]
