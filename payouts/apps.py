from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "payouts"
    verbose_name = _("资金拨付")
    default_auto_field = "django.db.models.BigAutoField"
