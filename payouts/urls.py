"""Pages of 资金拨付 (/payouts/): payouts and their approval chain, reward rules, budgets, recoveries, the
dashboard and the bank's payment lists."""

from django.urls import include, path

urlpatterns = [
    path("", include("payouts.urls_payouts")),
    path("", include("payouts.urls_setup")),
    path("", include("payouts.urls_dashboard")),
]
