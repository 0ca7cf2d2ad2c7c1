"""API routes of policies (/api/v1/insurance/policies/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .policies import PolicyExportView, PolicyViewSet

router = SimpleRouter()
router.register("policies", PolicyViewSet, basename="api-insurance-policy")

urlpatterns = [
    # Before the router: "export.xlsx" must not be taken for a policy id.
    path("policies/export.xlsx", PolicyExportView.as_view(), name="api-insurance-policy-export"),
    *router.urls,
]
