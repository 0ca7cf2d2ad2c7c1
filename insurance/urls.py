"""Pages of insurance compensation: rule sets, policies, claims and their review."""

from django.urls import include, path

urlpatterns = [
    path("", include("insurance.urls_rules")),
    path("", include("insurance.urls_policies")),
    path("", include("insurance.urls_claims")),
]
