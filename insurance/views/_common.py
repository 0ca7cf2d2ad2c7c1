"""Helpers shared by the insurance pages."""

from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import roles_of
from config.form_errors import apply_errors  # noqa: F401 (the pages import it from here)

R = Membership.Role
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 25
CLAIM_ROLES = (R.ENTERPRISE, R.COUNTY_STAFF, R.CITY_STAFF, R.PROVINCE_STAFF, R.FINANCE_STAFF, R.REGULATOR_STAFF)
STAFF_ROLES = (R.COUNTY_STAFF, R.CITY_STAFF, R.PROVINCE_STAFF, R.FINANCE_STAFF, R.REGULATOR_STAFF)


def enterprise_ids(user):
    return [o.pk for o in roles_of(user).organisations(R.ENTERPRISE)]


def is_applicant_view(user):
    """The enterprise sees applicant-facing labels; anyone with a staff role the staff labels."""
    roles = roles_of(user)
    return roles.has(R.ENTERPRISE) and not roles.has(*STAFF_ROLES) and not roles.is_province


def is_staff(user):
    roles = roles_of(user)
    return bool(roles.has(*STAFF_ROLES) or roles.is_province or user.is_superuser)


def xlsx_response(data, ascii_name, name):
    response = HttpResponse(data, content_type=XLSX)
    name = name + timezone.localdate().strftime("%Y%m%d") + ".xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response


def yuan_to_wan(value):
    """Large amounts are shown in 万元 (house style); the records keep yuan."""
    from decimal import Decimal

    return None if value is None else (Decimal(value) / Decimal(10000)).quantize(Decimal("0.01"))
