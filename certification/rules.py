"""Permission predicates of the recognition workflow (django-rules)."""

import rules

from accounts.models import Membership, Organisation
from accounts.roles import roles_of

from . import workflow

R = Membership.Role


def _acts_as(user, application, role):
    """Whether the user holds `role` for this application's enterprise, county or city."""
    roles = roles_of(user)
    if role == workflow.ENTERPRISE:
        return any(o.pk == application.enterprise_id for o in roles.organisations(R.ENTERPRISE))
    if role == workflow.COUNTY:
        return any(
            m.role == R.COUNTY_STAFF and m.organisation.region_id == application.region_id for m in roles.memberships
        )
    if role == workflow.CITY:
        return any(m.role == R.CITY_STAFF and m.organisation.region_id == application.city_id
                   for m in roles.memberships)
    if role == workflow.PROVINCE:
        return roles.has(R.PROVINCE_STAFF)
    return False


def can_take(user, application, action_code):
    """The declared table allows this action from the application's state for this user's role."""
    action = workflow.ACTIONS.get(action_code)
    return (
        action is not None and application.state in action.sources and _acts_as(user, application, action.role)
    )


def available_actions(application, user):
    """The actions this user may take now, in table order (buttons in pages, `actions` in the API)."""
    return [a for a in workflow.ACTIONS.values() if can_take(user, application, a.code)]


@rules.predicate
def is_province_staff(user):
    return roles_of(user).has(R.PROVINCE_STAFF)


@rules.predicate
def can_edit_application(user, application):
    return application is not None and application.state in ("draft", "returned") and _acts_as(
        user, application, workflow.ENTERPRISE
    )


@rules.predicate
def can_apply_for(user, organisation):
    return (
        organisation is not None
        and organisation.kind == Organisation.Kind.ENTERPRISE
        and organisation.status == Organisation.Status.APPROVED
        and any(o.pk == organisation.pk for o in roles_of(user).organisations(R.ENTERPRISE))
    )


rules.add_perm("certification.manage_batch", is_province_staff)
rules.add_perm("certification.edit_application", can_edit_application)
rules.add_perm("certification.apply", can_apply_for)
