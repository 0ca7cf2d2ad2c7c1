"""Read side of 政府首购: purchases scoped to the user, and what the public may see.

A buyer's staff see every purchase of their buyer organisation (drafts included); the supplier enterprise sees
the purchases of its products once they leave draft; province-level bureaus (industry, finance, the financial
regulator) every purchase past draft; a city or county industry bureau those whose recognised product comes from
its city or county. Everyone else: none. An object outside these answers 404.

The public sees a purchase once its single-source notice is published, or once it is awarded (a result is
public information), never a draft, the objectors' identities or the private documents.
"""

from django.db.models import Q

from accounts.models import Membership
from accounts.roles import roles_of

from .models import Purchase, PurchaseDocument

R = Membership.Role
S = Purchase.State
AWARDED_STATES = (S.AWARDED, S.CONTRACTED, S.COMPLETED)


def _base():
    return Purchase.objects.select_related("buyer", "supplier", "recognition", "notice", "contract")


def notice_of(purchase):
    """The purchase's single-source notice, or None."""
    try:
        return purchase.notice
    except Purchase.notice.RelatedObjectDoesNotExist:
        return None


def contract_of(purchase):
    """The purchase's contract, or None."""
    try:
        return purchase.contract
    except Purchase.contract.RelatedObjectDoesNotExist:
        return None


def buyer_ids(user):
    return [o.pk for o in roles_of(user).organisations(R.BUYER)]


def purchases_visible_to(user):
    """Purchases the user may list and open (see the module docstring)."""
    qs = _base()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    roles = roles_of(user)
    past_draft = ~Q(state=S.DRAFT)
    if roles.is_province or user.is_superuser:
        return qs.filter(past_draft | Q(buyer_id__in=buyer_ids(user)))
    condition = Q(pk__in=[])
    buyers = buyer_ids(user)
    if buyers:
        condition |= Q(buyer_id__in=buyers)
    enterprises = [o.pk for o in roles.organisations(R.ENTERPRISE)]
    if enterprises:
        condition |= past_draft & Q(supplier_id__in=enterprises)
    for m in roles.memberships:
        if m.role == R.CITY_STAFF:
            condition |= past_draft & Q(recognition__city_id=m.organisation.region_id)
        elif m.role == R.COUNTY_STAFF:
            condition |= past_draft & Q(recognition__region_id=m.organisation.region_id)
    return qs.filter(condition)


def public_purchases():
    """Purchases the public may see: a published single-source notice, or an award."""
    return _base().filter(Q(notice__published_at__isnull=False) | Q(state__in=AWARDED_STATES))


def is_buyer_of(user, purchase):
    """The user acts for the purchase's buyer organisation."""
    return getattr(user, "is_authenticated", False) and purchase.buyer_id in buyer_ids(user)


def documents_visible_to(user):
    """Private documents of the purchases the user can see (removed ones included: an audit may need them)."""
    return PurchaseDocument.objects.filter(purchase__in=purchases_visible_to(user).values("pk"))
