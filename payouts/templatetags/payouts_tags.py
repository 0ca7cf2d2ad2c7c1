"""Template helpers of the 资金拨付 pages: money in 元 and 万元, and the sections of the recognition page and
the claim page listing their payouts (scoped to the viewer)."""


from django import template

from config import money

from ..queries import payouts_visible_to

register = template.Library()
register.filter("yuan", money.yuan)
register.filter("wan", money.wan)


def _user(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


@register.inclusion_tag("payouts/_recognition_section.html", takes_context=True)
def recognition_payouts(context, recognition):
    """The recognition's reward and compensation payouts the viewer may open (one query)."""
    user = _user(context)
    payouts = (
        []
        if user is None
        else list(payouts_visible_to(user).filter(recognition=recognition).order_by("kind", "-created_at", "-id"))
    )
    return {"recognition": recognition, "payouts": payouts}


@register.inclusion_tag("payouts/_claim_section.html", takes_context=True)
def claim_payout(context, claim):
    """The claim's compensation payout, if proposed and in the viewer's scope (one query)."""
    user = _user(context)
    payout = None if user is None else payouts_visible_to(user).filter(claim=claim).first()
    return {"claim": claim, "payout": payout}
