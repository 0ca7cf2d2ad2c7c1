from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import User


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication reading only the user (one model, not token + user): every API request
    pays for this lookup (bench/results/inbox.md)."""

    def authenticate_credentials(self, key):
        user = User.objects.filter(auth_token__key=key).first()
        if user is None:
            raise exceptions.AuthenticationFailed(_("无效的令牌。"))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("用户已停用或已删除。"))
        return (user, key)
