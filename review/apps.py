from django.apps import AppConfig
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "review"
    verbose_name = _("专家评审")

    def ready(self):
        from accounts.signals import expert_deactivated, expert_employer_changed

        expert_deactivated.connect(_withdraw, dispatch_uid="review.withdraw_deactivated_expert")
        expert_employer_changed.connect(_new_employer, dispatch_uid="review.withdraw_from_new_employer")


def _withdraw(sender, expert, actor, reason, **kwargs):
    from .services.assignments import withdraw_deactivated_expert

    withdraw_deactivated_expert(expert=expert, actor=actor, reason=reason)


def _new_employer(sender, expert, employer, actor, **kwargs):
    from .services.assignments import withdraw_from_organisation

    withdraw_from_organisation(expert=expert, organisation=employer, actor=actor,
                               reason=gettext("专家的工作单位变更为申报企业"))
