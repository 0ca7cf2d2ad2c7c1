"""API routes of the first-purchase statistics (/api/v1/procurement/stats/)."""

from django.urls import path

from .stats import PurchaseStatisticsExportView, PurchaseStatisticsView

urlpatterns = [
    path("stats/", PurchaseStatisticsView.as_view(), name="api-procurement-statistics"),
    path("stats/export.xlsx", PurchaseStatisticsExportView.as_view(), name="api-procurement-statistics-export"),
]
