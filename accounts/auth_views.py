from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy as _

from .forms_auth import LoginForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": _("登录")}
