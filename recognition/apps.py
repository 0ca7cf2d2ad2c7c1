from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recognition"
    verbose_name = _("公示与认定")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
