"""The application workflow as a declared table: for each action, the states it leaves from, who may take it,
and its labels. Services enforce it; pages and the API render only `available_actions(application, user)`."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import BEFORE_EXPERT_REVIEW, State

ENTERPRISE = "enterprise"
COUNTY = "county_staff"
CITY = "city_staff"
PROVINCE = "province_staff"

# What the enterprise sees for each state (staff see State's labels).
APPLICANT_LABELS = {
    State.DRAFT: _("草稿（未提交）"),
    State.COUNTY_REVIEW: _("待县（市、区）经信局推荐"),
    State.CITY_REVIEW: _("待设区市经信局推荐"),
    State.FORMAL_REVIEW: _("省经信厅形式审查中"),
    State.RETURNED: _("待补正后重新提交"),
    State.PASSED: _("已通过形式审查，待专家评审"),
    State.DECLINED: _("未获推荐"),
    State.REJECTED: _("未通过形式审查"),
    State.WITHDRAWN: _("已撤回"),
    State.EXPERT_REVIEW: _("专家评审中"),
    # The proposal is not the applicant's to see before the public notice.
    State.PROPOSED: _("专家评审已结束，结果待公示"),
    State.NOT_PROPOSED: _("专家评审已结束，结果待公示"),
    State.RECOGNISED: _("已认定"),
    State.NOT_RECOGNISED: _("未予认定"),
}


# The proposal is not the applicant's to see before the public notice, through the state code either: they see
# both outcomes as expert review (the label says it has ended), and filter on expert review to find all three.
APPLICANT_HIDDEN_STATES = (State.PROPOSED, State.NOT_PROPOSED)


def applicant_state(state):
    """The state code shown to the applicant."""
    return State.EXPERT_REVIEW.value if state in APPLICANT_HIDDEN_STATES else state


def applicant_state_filter(code):
    """The states an applicant's filter on `code` matches (their codes, as applicant_state shows them)."""
    if code in APPLICANT_HIDDEN_STATES:
        return []
    return [State.EXPERT_REVIEW, *APPLICANT_HIDDEN_STATES] if code == State.EXPERT_REVIEW else [code]


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    sources: tuple
    role: str
    needs_reason: bool = False
    style: str = "primary"


ACTIONS = {
    a.code: a
    for a in [
        Action("submit", _("提交申报"), (State.DRAFT,), ENTERPRISE),
        Action("resubmit", _("补正后重新提交"), (State.RETURNED,), ENTERPRISE),
        Action("withdraw", _("撤回申报"), tuple(BEFORE_EXPERT_REVIEW), ENTERPRISE, style="outline-danger"),
        Action("county_recommend", _("推荐"), (State.COUNTY_REVIEW,), COUNTY),
        Action("county_return", _("退回补正"), (State.COUNTY_REVIEW,), COUNTY, needs_reason=True,
               style="outline-warning"),
        Action("county_decline", _("不予推荐"), (State.COUNTY_REVIEW,), COUNTY, needs_reason=True,
               style="outline-danger"),
        Action("city_recommend", _("推荐"), (State.CITY_REVIEW,), CITY),
        Action("city_return", _("退回补正"), (State.CITY_REVIEW,), CITY, needs_reason=True, style="outline-warning"),
        Action("city_decline", _("不予推荐"), (State.CITY_REVIEW,), CITY, needs_reason=True, style="outline-danger"),
        Action("formal_pass", _("形式审查通过"), (State.FORMAL_REVIEW,), PROVINCE),
        Action("formal_return", _("退回补正"), (State.FORMAL_REVIEW,), PROVINCE, needs_reason=True,
               style="outline-warning"),
        Action("formal_reject", _("形式审查不通过"), (State.FORMAL_REVIEW,), PROVINCE, needs_reason=True,
               style="outline-danger"),
    ]
}

# The formal-review checklist (形式审查) shown to province staff; each item is checked or not, with a note.
FORMAL_CHECKLIST = [
    ("materials_complete", _("申报材料齐全，附件与清单一致")),
    ("enterprise_valid", _("申报单位信息真实有效，统一社会信用代码一致")),
    ("category_consistent", _("产品类别、形式与申报级别填写一致")),
    ("indicators_sourced", _("关键技术指标有检测报告或查新报告支撑")),
    ("novelty_recent", _("查新报告出具时间在一年以内")),
    ("sales_evidence", _("首台销售合同或发票与填报信息一致")),
    ("commitment_signed", _("承诺书已签章")),
]
