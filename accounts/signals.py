"""Drop the per-request role cache when memberships change within a request (tests, admin)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import ExpertProfile, Membership


@receiver([post_save, post_delete], sender=Membership)
@receiver([post_save, post_delete], sender=ExpertProfile)
def _forget_roles(sender, instance, **kwargs):
    user = getattr(instance, "user", None)
    if user is not None and hasattr(user, "_roles_cache"):
        del user._roles_cache
