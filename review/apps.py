from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "review"
    verbose_name = _("专家评审")

    def ready(self):
        from accounts.signals import expert_deactivated

        expert_deactivated.connect(_withdraw, dispatch_uid="review.withdraw_deactivated_expert")


def _withdraw(sender, expert, actor, reason, **kwargs):
    from .services.assignments import withdraw_deactivated_expert

    withdraw_deactivated_expert(expert=expert, actor=actor, reason=reason)
