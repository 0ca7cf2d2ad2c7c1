"""API routes of 资金拨付 (/api/v1/payouts/)."""

from django.urls import include, path

urlpatterns = [
    path("", include("payouts.api.urls")),
]
