"""API routes of insurance compensation (/api/v1/insurance/)."""

from django.urls import include, path

urlpatterns = [
    path("", include("insurance.api.urls_rules")),
    path("", include("insurance.api.urls_policies")),
    path("", include("insurance.api.urls_claims")),
]
