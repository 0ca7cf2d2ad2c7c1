"""Read side of the expert pool (专家库): who may see it, list filters and display helpers."""

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from .fields import INDUSTRY_FIELDS
from .models import ExpertProfile, Membership
from .roles import roles_of


def may_manage_experts(user):
    """Staff of the provincial industry bureau (省经信厅) keep the pool; the system administrator too.

    Province finance and the financial regulator are province-level bureaus as well, but the pool is an
    industry-bureau job (domain.md §1), so the role decides, not the bureau level.
    """
    if not user.is_authenticated:
        return False
    return user.is_superuser or roles_of(user).has(Membership.Role.PROVINCE_STAFF)


def experts_visible_to(user):
    """The whole pool for those who keep it; nothing for anyone else."""
    qs = ExpertProfile.objects.select_related("user", "employer", "region__parent")
    return qs if may_manage_experts(user) else qs.none()


def with_field(qs, code):
    """Experts having one field of expertise. The JSON list is matched as text with the code quoted, which
    works on SQLite and PostgreSQL alike (JSON containment is not available on SQLite); codes are plain words,
    so '"energy"' never matches inside '"pv_energy"'."""
    return qs.annotate(fields_text=Cast("fields", TextField())).filter(fields_text__contains=f'"{code}"')


def search(qs, q):
    """Chinese substring search in the expert's name, username and employer."""
    q = (q or "").strip()
    if not q:
        return qs
    return qs.filter(
        Q(user__display_name__icontains=q) | Q(user__username__icontains=q) | Q(employer__name__icontains=q)
    )


def in_city(qs, city):
    return qs.filter(Q(region=city) | Q(region__parent=city))


def field_labels(codes):
    """Labels of field codes, in the order of the ten fields."""
    return [str(label) for code, label in INDUSTRY_FIELDS if code in (codes or [])]
