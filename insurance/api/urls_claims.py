"""API routes of compensation claims, their documents and review actions (/api/v1/insurance/claims/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .claims import ClaimExportView, ClaimViewSet

router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="api-insurance-claim")

urlpatterns = [
    # Before the router: "export.xlsx" must not be taken for a claim id.
    path("claims/export.xlsx", ClaimExportView.as_view(), name="api-insurance-claim-export"),
    *router.urls,
]
