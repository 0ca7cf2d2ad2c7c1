"""Template tags that other apps' pages use to reach expert review."""

from django import template

from ..models import ReviewRound
from ..queries import is_review_staff

register = template.Library()


@register.inclusion_tag("review/_batch_button.html", takes_context=True)
def review_round_button(context, batch):
    """The batch page's 专家评审 button, for review staff only: opens the round, or sets it up (POST)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not is_review_staff(user) or batch.state == "draft":
        return {"show": False}
    return {"show": True, "batch": batch, "round": ReviewRound.objects.filter(batch=batch).first(),
            "csrf_token": context.get("csrf_token")}
