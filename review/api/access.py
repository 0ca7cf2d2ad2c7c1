"""Who may call which review endpoint. Collections answer 403 to the wrong role; objects are looked up through
the user's scope (staff's rounds, the expert's own assignments and sheets) and answer 404 outside it, so their
existence does not leak. Anonymous requests answer 401 (IsAuthenticated, token authentication first)."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from accounts.roles import roles_of
from certification.queries import is_id

from ..queries import is_review_staff

ID = r"[0-9]{1,18}"


def is_expert(user):
    return user.is_authenticated and roles_of(user).expert_profile is not None


class ReviewStaffCollection(permissions.BasePermission):
    """Province industry staff; on an object route the scoped lookup decides (404)."""

    message = _("只有省经信厅工作人员可以管理专家评审。")

    def has_permission(self, request, view):
        if view.kwargs.get(getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")):
            return True
        return is_review_staff(request.user)


class ExpertCollection(permissions.BasePermission):
    """Experts in the pool; on an object route the lookup in the expert's own rows decides (404)."""

    message = _("只有评审专家可以查看评审任务。")

    def has_permission(self, request, view):
        if view.kwargs.get(getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")):
            return True
        return is_expert(request.user)


STAFF = [permissions.IsAuthenticated, ReviewStaffCollection]
EXPERT = [permissions.IsAuthenticated, ExpertCollection]


def staff_or_404(user):
    """An object route of staff: anyone else gets 404, as for an object outside their scope."""
    if not is_review_staff(user):
        raise Http404


def get_or_404(queryset, pk):
    obj = queryset.filter(pk=pk).first() if is_id(pk) else None
    if obj is None:
        raise Http404
    return obj
