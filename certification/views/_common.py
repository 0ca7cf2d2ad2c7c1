"""Helpers shared by the recognition pages."""

from accounts.roles import roles_of
from config.form_errors import apply_errors  # noqa: F401 (the pages import it from here)

from ..forms import FIELD_LABELS
from ..workflow import APPLICANT_LABELS

STAFF_ROLES = ("county_staff", "city_staff", "province_staff")


def error_list(exc):
    """A service's ValidationError as a flat list of '字段：原因' lines (completeness errors on submission)."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    lines = []
    for field, errors in exc.message_dict.items():
        label = FIELD_LABELS.get(field)
        for error in errors:
            lines.append(f"{label}：{error}" if label and field != "__all__" else error)
    return lines


def is_applicant_view(user, application=None):
    """The enterprise sees applicant-facing state labels; bureau staff the staff labels."""
    roles = roles_of(user)
    if application is not None:
        return any(o.pk == application.enterprise_id for o in roles.organisations("enterprise"))
    return roles.has("enterprise") and not roles.has(*STAFF_ROLES) and not roles.is_province


def state_label(application, applicant):
    return APPLICANT_LABELS.get(application.state, application.get_state_display()) if applicant else (
        application.get_state_display()
    )
