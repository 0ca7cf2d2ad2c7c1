"""资金拨付 dashboard (staff) and the Excel exports: the payout list with its filters, the bank's payment list of
one city."""

from django.urls import path

from .views import dashboard

urlpatterns = [
    path("dashboard/", dashboard.payout_dashboard, name="payout_dashboard"),
    path("dashboard/export/", dashboard.payout_dashboard_export, name="payout_dashboard_export"),
    path("export/", dashboard.payout_export, name="payout_export"),
    path("bank-list/", dashboard.bank_payment_list, name="bank_payment_list"),
]
