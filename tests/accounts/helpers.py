"""Small helpers shared by the accounts tests (data builders, not fixtures)."""

from accounts.models import Membership, Organisation, User
from audit.models import AuditEvent
from notifications.models import Delivery, Notification
from tests import factories as f

PASSWORD = "Qiye-Zhuce-2026!"


def wrong_check_digit(code):
    """The same code with a different (still well-formed) last character."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def registration_payload(**overrides):
    data = {
        "name": "杭州新注册装备有限公司",
        "uscc": f.make_uscc(region_code="330106"),
        "region": f.region("330106").pk,
        "contact_name": "王五",
        "contact_phone": "13800000000",
        "email": "newcorp@example.cn",
        "username": "newcorp",
        "password": PASSWORD,
    }
    data.update(overrides)
    return data


def row_counts():
    """How many rows each table that a registration or an organisation write touches holds."""
    return {
        model.__name__: model.objects.count()
        for model in (Organisation, User, Membership, AuditEvent, Notification, Delivery)
    }
