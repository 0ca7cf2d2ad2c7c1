from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。连续多次错误后账户将被暂时锁定。"),
        "inactive": _("该账户已停用。"),
    }
