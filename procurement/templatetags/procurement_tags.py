"""Template helpers of the 政府首购 pages: money in 元 and 万元, and the recognition pages' section listing the
recognition's purchases (scoped to the viewer on the staff page, the public ones on the verification page)."""


from django import template

from config import money

from ..views._common import is_buyer, purchases_of_recognition

register = template.Library()
register.filter("yuan", money.yuan)
register.filter("wan", money.wan)


@register.inclusion_tag("procurement/_recognition_section.html", takes_context=True)
def recognition_purchases(context, recognition, public=False):
    """The recognition's 政府首购 projects: on the staff page those the viewer may open (one query), on the public
    verification page those the public may see, linking to their public pages. A buyer is offered a new one while
    the recognition is valid."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or (not public and not getattr(user, "is_authenticated", False)):
        return {"recognition": recognition, "purchases": [], "public": public, "can_add": False}
    purchases = purchases_of_recognition(recognition, user, public=public)
    status = context.get("status") or recognition.status
    return {
        "recognition": recognition,
        "purchases": purchases,
        "public": public,
        "can_add": is_buyer(user) and status == "valid",
    }
