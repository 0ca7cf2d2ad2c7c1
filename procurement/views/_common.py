"""Helpers shared by the 政府首购 pages: service errors onto forms, who may list, the purchases a recognition's
pages show."""

from accounts.models import Membership
from accounts.roles import roles_of
from config.form_errors import apply_errors  # noqa: F401 (the pages import it from here)

from ..queries import buyer_ids, public_purchases, purchases_visible_to

R = Membership.Role
PAGE_SIZE = 25
LIST_ROLES = (R.BUYER, R.ENTERPRISE, R.COUNTY_STAFF, R.CITY_STAFF, R.PROVINCE_STAFF, R.FINANCE_STAFF, R.REGULATOR_STAFF)


def split_errors(exc, *keys):
    """(errors of `keys` as one list, a ValidationError with the rest or None): for errors shown outside a form."""
    from django.core.exceptions import ValidationError

    if not hasattr(exc, "error_dict"):
        return [], exc
    rest = dict(exc.message_dict)
    taken = [m for key in keys for m in rest.pop(key, [])]
    return taken, (ValidationError(rest) if rest else None)


def may_list(user):
    return bool(roles_of(user).has(*LIST_ROLES) or roles_of(user).is_province or user.is_superuser)


def is_buyer(user):
    return bool(getattr(user, "is_authenticated", False) and buyer_ids(user))


def purchases_of_recognition(recognition, user, *, public=False):
    """The purchases of a recognition shown on its pages: on the staff page those the viewer may open, on the
    public verification page those the public may see (never a draft). One query."""
    qs = public_purchases() if public else purchases_visible_to(user)
    return list(qs.filter(recognition=recognition).order_by("-created_at", "-id"))
