"""API routes of the recognition workflow, under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api.applications import ApplicationExportView, ApplicationViewSet
from .api.batches import BatchViewSet

router = SimpleRouter()
router.register("batches", BatchViewSet, basename="batch")
router.register("applications", ApplicationViewSet, basename="application")

urlpatterns = [
    # Before the router: "export.xlsx" would otherwise be taken for an application id.
    path("applications/export.xlsx", ApplicationExportView.as_view(), name="application-export"),
    *router.urls,
]
