"""A user's roles, read once per request from their memberships and expert profile."""

from functools import cached_property

from .models import Membership, Region

ROLE_EXPERT = "expert"
ROLE_ADMIN = "admin"


class Roles:
    """What a user acts as. Cached on the user object for the request."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def memberships(self):
        if not self.user.is_authenticated:
            return []
        return list(
            Membership.objects.filter(user=self.user).select_related("organisation__region__parent")
        )

    @cached_property
    def codes(self):
        codes = {m.role for m in self.memberships}
        if self.expert_profile is not None:
            codes.add(ROLE_EXPERT)
        if self.user.is_authenticated and self.user.is_superuser:
            codes.add(ROLE_ADMIN)
        return codes

    @cached_property
    def expert_profile(self):
        if not self.user.is_authenticated:
            return None
        from .models import ExpertProfile

        return ExpertProfile.objects.filter(user=self.user, active=True).select_related("employer").first()

    def has(self, *codes):
        return bool(self.codes.intersection(codes))

    def organisations(self, *roles):
        return [m.organisation for m in self.memberships if not roles or m.role in roles]

    @property
    def primary(self):
        return self.memberships[0] if self.memberships else None

    @cached_property
    def is_province(self):
        """Province-level staff of any department see the whole province."""
        return any(
            m.organisation.kind == "bureau" and m.organisation.bureau_level == "province" for m in self.memberships
        )

    @cached_property
    def bureau_regions(self):
        """Regions (cities or counties) whose organisations this user's bureau memberships cover."""
        return [
            m.organisation.region
            for m in self.memberships
            if m.organisation.kind == "bureau" and m.organisation.bureau_level in ("city", "county")
        ]

    def region_ids_in_scope(self):
        """Ids of every region under the user's local bureaus (the region itself and its counties)."""
        ids = set()
        city_ids = []
        for region in self.bureau_regions:
            ids.add(region.pk)
            if region.level == Region.Level.CITY:
                city_ids.append(region.pk)
        if city_ids:
            ids.update(Region.objects.filter(parent_id__in=city_ids).values_list("pk", flat=True))
        return ids


def acting_organisation(user, *roles):
    """The organisation a user acts for in the audit log: their first membership (of the given roles)."""
    orgs = roles_of(user).organisations(*roles)
    return orgs[0] if orgs else None


def roles_of(user):
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        cached = Roles(user)
        try:
            user._roles_cache = cached
        except AttributeError:  # AnonymousUser is a plain object too; this is just defensive
            pass
    return cached
