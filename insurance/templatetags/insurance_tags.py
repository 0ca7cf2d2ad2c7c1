"""Template helpers of the insurance pages: ratios as percentages, yuan in 万元, and the recognition page's
section listing the recognition's policies and claims (scoped to the viewer)."""

from decimal import Decimal

from django import template
from django.db.models import Count

from config import money

from .. import workflow
from ..queries import claims_visible_to, policies_visible_to

register = template.Library()
register.filter("wan", money.wan)
RATIO_FIELDS = {"rate_cap", "ratio_international", "ratio_domestic", "ratio_provincial", "yearly_step"}


@register.filter
def pct(value):
    """0.0200 → 2%, 0.1 → 10%."""
    if value is None or value == "":
        return "—"
    number = (Decimal(value) * 100).normalize()
    return f"{number:f}%"


@register.filter
def rule_value(value, name):
    """A rule parameter as shown: ratios in percent, booleans as 是/否, money in yuan."""
    from django.utils.translation import gettext as _

    if name in RATIO_FIELDS:
        return pct(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if name == "yearly_cap":
        return _("%(y)s 元（%(w)s 万元）") % {"y": f"{value:,.2f}", "w": money.wan(value)}
    return value


@register.inclusion_tag("insurance/_recognition_section.html", takes_context=True)
def recognition_insurance(context, recognition):
    """The recognition's policies and claims the viewer can see, with links (a fixed number of queries)."""
    request = context.get("request")
    if request is None:  # rendered outside a request (no viewer, nothing to scope to)
        return {"recognition": recognition, "policies": [], "claims": [], "own": False, "can_add": False}
    user = request.user
    policies = list(policies_visible_to(user).filter(recognition=recognition)
                    .annotate(unit_count=Count("units")).order_by("-starts_on", "-id"))
    claims = list(claims_visible_to(user).filter(recognition=recognition).order_by("-created_at", "-id"))
    own = any(o.pk == recognition.enterprise_id for o in _enterprises(user))
    for claim in claims:
        claim.state_text = workflow.APPLICANT_LABELS[claim.state] if own else claim.get_state_display()
    return {"recognition": recognition, "policies": policies, "claims": claims, "own": own,
            "can_add": own and recognition.status == "valid"}


def _enterprises(user):
    from accounts.roles import roles_of

    return roles_of(user).organisations("enterprise")
