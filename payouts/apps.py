from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "payouts"
    verbose_name = _("资金拨付")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from insurance.services.claims import claim_payable
        from recognition.services.recognitions import recognition_revoked

        recognition_revoked.connect(_revoked, dispatch_uid="payouts.open_recoveries")
        claim_payable.connect(_payable, dispatch_uid="payouts.propose_compensation")


def _revoked(sender, recognition, actor, **kwargs):
    """In the revoking transaction: stop or claim back the money paid on the recognition."""
    from .services.recoveries import open_recoveries

    open_recoveries(recognition_id=recognition.pk, actor=actor)


def _payable(sender, claim, actor, **kwargs):
    """In the make_payable transaction: the claim's compensation payout (the beat sweep is the safety net)."""
    from .services.proposals import propose_compensation

    propose_compensation(claim_id=claim.pk, actor=actor)
