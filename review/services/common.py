"""What the review services share: who may act, who is told, and the audit's organisation."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from accounts.roles import acting_organisation

from ..queries import is_review_staff

R = Membership.Role


def require_staff(actor):
    if not is_review_staff(actor):
        raise PermissionDenied(_("只有省经信厅工作人员可以管理专家评审。"))
    return acting_organisation(actor, R.PROVINCE_STAFF)


def province_staff():
    return list(User.objects.filter(memberships__role=R.PROVINCE_STAFF, is_active=True).distinct())


def round_link(review_round):
    return f"/review/rounds/{review_round.pk}/"


def expert_link(assignment):
    return f"/review/assignments/{assignment.pk}/"
