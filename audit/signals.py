"""Logins and failed logins go to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import record


def _primary_org(user):
    membership = user.memberships.select_related("organisation").first() if user and user.pk else None
    return membership.organisation if membership else None


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record(action="auth.login", actor=user, organisation=_primary_org(user), obj=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(action="auth.logout", actor=user, organisation=_primary_org(user), obj=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record(action="auth.login_failed", object_type="accounts.User", object_id="", object_repr=username,
           after={"username": username})
