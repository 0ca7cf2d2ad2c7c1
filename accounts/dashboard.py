"""What each role's dashboard shows, computed from records."""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.queries import inbox_for, unread_count

from .fields import INDUSTRY_FIELDS
from .models import Membership, Organisation
from .queries import organisations_visible_to, registrations_to_review
from .roles import roles_of

R = Membership.Role


def expert_field_labels(profile):
    """The labels of an expert's fields of expertise, in the order of the ten fields."""
    if profile is None:
        return []
    return [label for code, label in INDUSTRY_FIELDS if code in profile.fields]


def dashboard_context(user):
    roles = roles_of(user)
    role_labels = [Membership.Role(c).label for c in roles.codes if c in Membership.Role.values]
    # What the page heading names the user as: their membership roles, then expert and administrator.
    heading_roles = list(role_labels)
    if roles.expert_profile is not None:
        heading_roles.append(_("评审专家"))
    if user.is_superuser:
        heading_roles.append(_("系统管理员"))
    ctx = {
        "roles": roles,
        "role_labels": role_labels,
        "heading_roles": heading_roles,
        "expert_fields": expert_field_labels(roles.expert_profile),
        "is_expert": roles.expert_profile is not None,
        "expert": roles.expert_profile,
        "recent_notifications": list(inbox_for(user)[:5]),
        "unread": unread_count(user),
        "organisations": roles.organisations(),
    }
    if user.is_superuser or roles.has(
        R.PROVINCE_STAFF, R.CITY_STAFF, R.COUNTY_STAFF, R.FINANCE_STAFF, R.REGULATOR_STAFF
    ):
        visible = organisations_visible_to(user)
        counts = visible.aggregate(
            enterprises=Count("pk", filter=Q(kind=Organisation.Kind.ENTERPRISE)),
            approved=Count("pk", filter=Q(kind=Organisation.Kind.ENTERPRISE, status=Organisation.Status.APPROVED)),
            pending=Count("pk", filter=Q(kind=Organisation.Kind.ENTERPRISE, status=Organisation.Status.PENDING)),
            bureaus=Count("pk", filter=Q(kind=Organisation.Kind.BUREAU)),
        )
        ctx["org_counts"] = counts
        ctx["review_queue"] = list(registrations_to_review(user).order_by("created_at")[:5])
        ctx["review_queue_count"] = registrations_to_review(user).count()
    ctx.update(_applications_block(user, roles))
    from payouts.dashboard import dashboard_card

    ctx.update(dashboard_card(user))
    return ctx


def _applications_block(user, roles):
    """The 申报 block: an enterprise's own applications and open batches; a bureau's queue at its level."""
    from certification.models import Batch, State
    from certification.queries import applications_visible_to, batches_visible_to
    from certification.workflow import APPLICANT_LABELS

    ctx = {}
    if roles.has(R.ENTERPRISE):
        now = timezone.now()
        mine = list(applications_visible_to(user).order_by("-updated_at")[:5])
        for app in mine:
            app.state_text = APPLICANT_LABELS.get(app.state, app.get_state_display())
        ctx["my_applications"] = mine
        ctx["open_batches"] = list(batches_visible_to(user).filter(state=Batch.State.OPEN, opens_at__lte=now,
                                                                   closes_at__gt=now).order_by("closes_at"))
        ctx["show_applications"] = True
    waiting = [s for r, s in ((R.COUNTY_STAFF, State.COUNTY_REVIEW), (R.CITY_STAFF, State.CITY_REVIEW),
                              (R.PROVINCE_STAFF, State.FORMAL_REVIEW)) if roles.has(r)]
    if waiting:
        qs = applications_visible_to(user).filter(state__in=waiting)
        ctx["queue_state"] = waiting[0]
        ctx["application_queue"] = list(qs.order_by("submitted_at")[:5])
        ctx["application_queue_count"] = qs.count()
        ctx["show_applications"] = True
    return ctx
