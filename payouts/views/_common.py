"""Helpers shared by the 资金拨付 pages: service errors onto forms, who may list and set up, the cities a user
filters by, and the recognition and claim links of a payout."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy

from accounts.models import Membership
from accounts.roles import roles_of
from config.form_errors import apply_errors  # noqa: F401 (the pages import it from here)
from recognition.queries import city_choices

from .. import workflow

R = Membership.Role
PAGE_SIZE = 25
STAFF_ROLES = (R.PROVINCE_STAFF, R.FINANCE_STAFF, R.REGULATOR_STAFF, R.CITY_STAFF, R.COUNTY_STAFF)
LIST_ROLES = (R.ENTERPRISE, *STAFF_ROLES)


def messages_of(exc):
    """Every message of a ValidationError, as one list (for errors shown above a page rather than on a form)."""
    if hasattr(exc, "error_dict"):
        return [m for ms in exc.message_dict.values() for m in ms]
    return list(exc.messages)


def is_staff(user):
    roles = roles_of(user)
    return bool(roles.has(*STAFF_ROLES) or roles.is_province or user.is_superuser)


def may_list(user):
    return bool(roles_of(user).has(*LIST_ROLES) or is_staff(user))


def enterprise_ids(user):
    return [o.pk for o in roles_of(user).organisations(R.ENTERPRISE)]


def is_enterprise_view(user):
    """The enterprise sees its own payouts under 我的拨付; anyone with a staff role the staff pages."""
    return bool(enterprise_ids(user)) and not is_staff(user)


def may_read_setup(user):
    """Budgets: province industry and finance staff read them (finance sets them)."""
    return bool(workflow.is_province_industry(user) or workflow.is_province_finance(user) or user.is_superuser)


def role_required(predicate, message):
    """A page for one role: anonymous users log in, anyone else is refused (403)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not predicate(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def industry_only(view):
    return role_required(workflow.is_province_industry, gettext_lazy("只有省经信部门工作人员可以办理。"))(view)


def finance_only(view):
    return role_required(workflow.is_province_finance, gettext_lazy("只有省财政部门工作人员可以办理。"))(view)


def cities_of(user):
    """The cities (id, name) a user filters by: all 11 for province staff, the own city for a local bureau."""
    roles = roles_of(user)
    cities = city_choices()
    if roles.is_province or user.is_superuser:
        return cities
    ids = {r.pk if r.level == "city" else r.parent_id for r in roles.bureau_regions}
    return [(pk, name) for pk, name in cities if pk in ids]


def recognition_url(user, recognition_id):
    """The staff recognition page for bureau staff; the enterprise finds its recognitions under 我的认定."""
    roles = roles_of(user)
    if roles.is_province or roles.bureau_regions or user.is_superuser:
        return reverse("recognition_detail", args=[recognition_id])
    return reverse("recognition_mine")
