"""The purchase workflow as a declared table: for each action, the states it leaves from and who may take it.
The services enforce it; pages and the API render only `available_actions(purchase, user)`.

    state           action              who     condition
    draft           edit, save_notice   buyer
    draft           publish_notice      buyer   single source, the notice filled in with at least one expert
    draft           award               buyer   no notice required: not single source, or budget below the
                                                public-tender threshold (settings.PROCUREMENT_TENDER_THRESHOLD);
                                                the service also refuses a single-source award amount at or
                                                above it without a notice
    notice          justify             buyer   answers open objections (also in pending_award)
    notice          close_notice        beat    when ends_at has passed (not a user action)
    pending_award   award               buyer   no open objection; the recognition valid on the award date
    awarded         sign                buyer   contract number, amount, signing date (> 30 days: flagged)
    contracted      deliver / accept    buyer   delivery date, then acceptance date → completed
    draft, notice, pending_award: cancel (buyer, with a reason)
    documents: the buyer uploads from awarded on; removal while not completed
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Purchase
from .queries import is_buyer_of

S = Purchase.State
M = Purchase.Method


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    sources: tuple
    style: str = "primary"
    needs_reason: bool = False


ACTIONS = {
    a.code: a
    for a in [
        Action("edit", pgettext_lazy("按钮", "修改"), (S.DRAFT,), style="outline-secondary"),
        Action("save_notice", _("编辑单一来源公示"), (S.DRAFT,), style="outline-primary"),
        Action("publish_notice", _("发布单一来源公示"), (S.DRAFT,)),
        Action("justify", _("补充论证"), (S.NOTICE, S.PENDING_AWARD), style="outline-primary"),
        Action("award", _("确定成交"), (S.DRAFT, S.PENDING_AWARD)),
        Action("sign", _("录入合同"), (S.AWARDED,)),
        Action("deliver", _("录入交付与验收"), (S.CONTRACTED,)),
        Action("upload", _("上传材料"), (S.AWARDED, S.CONTRACTED, S.COMPLETED), style="outline-secondary"),
        Action("cancel", _("终止采购"), (S.DRAFT, S.NOTICE, S.PENDING_AWARD), style="outline-danger",
               needs_reason=True),
    ]
}


def needs_notice(purchase, *, amount=None):
    """Single source at or above the public-tender threshold must be announced for 5 working days (domain §8): by
    its budget, or by the award amount when given (a budget just under the threshold must not skip the notice)."""
    value = purchase.budget if amount is None else amount
    return purchase.method == M.SINGLE_SOURCE and value >= settings.PROCUREMENT_TENDER_THRESHOLD


def _condition_holds(purchase, code):
    if code in ("save_notice", "publish_notice"):
        return purchase.method == M.SINGLE_SOURCE
    if code == "award" and purchase.state == S.DRAFT:
        return not needs_notice(purchase)
    return True


def can_take(user, purchase, code):
    """The table allows `code` from the purchase's state, the user is the buyer, and the condition holds."""
    action = ACTIONS.get(code)
    if action is None or purchase.state not in action.sources:
        return False
    return is_buyer_of(user, purchase) and _condition_holds(purchase, code)


def available_actions(purchase, user):
    """The actions this user may take now, in table order (buttons in pages, `actions` in the API)."""
    return [a for a in ACTIONS.values() if can_take(user, purchase, a.code)]
