from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import User

# The columns every request needs, in the model's field order (Model.from_db expects that order); the rest
# of the user row loads on first access (deferred fields).
_NEEDED = {"id", "username", "display_name", "email", "is_active", "is_superuser", "is_staff"}
_USER_COLUMNS = tuple(f.column for f in User._meta.concrete_fields if f.attname in _NEEDED)
_TOKEN_SQL = (
    "SELECT " + ", ".join(f"u.{c}" for c in _USER_COLUMNS) + " FROM authtoken_token t "
    "JOIN accounts_user u ON u.id = t.user_id WHERE t.key = %s"
)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication with one narrow lookup instead of token + full user through the ORM.

    Every API request pays for this lookup, so it is a fixed statement (no ORM compilation) that reads the
    user's identity columns; the user is built with Model.from_db, so any other field (the password hash, for
    instance) is loaded on first access like a deferred field. See bench/README.md, inbox.
    """

    def authenticate_credentials(self, key):
        with connection.cursor() as cursor:
            cursor.execute(_TOKEN_SQL, [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("无效的令牌。"))
        user = User.from_db(connection.alias, list(_USER_COLUMNS), row)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("用户已停用或已删除。"))
        return (user, key)
