"""拨付 pages. The services link notifications to /payouts/<id>/ (payout_detail)."""

from django.urls import path

from .views import payouts

urlpatterns = [
    path("", payouts.payout_list, name="payout_list"),
    path("allocate/", payouts.payout_allocate, name="payout_allocate"),
    path("<int:pk>/", payouts.payout_detail, name="payout_detail"),
    path("<int:pk>/action/", payouts.payout_action, name="payout_action"),
    path("<int:pk>/disburse/", payouts.payout_disburse, name="payout_disburse"),
    path("<int:pk>/bank-account/", payouts.payout_bank_account, name="payout_bank_account"),
]
