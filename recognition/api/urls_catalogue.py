"""API routes of the public catalogue and of the batch summary (/api/v1/)."""

from django.urls import path

from . import catalogue

urlpatterns = [
    path("catalogue/", catalogue.CatalogueView.as_view(), name="api-catalogue"),
    path("catalogue/export.xlsx", catalogue.CatalogueExportView.as_view(), name="api-catalogue-export"),
    path("recognition/summary/", catalogue.SummaryView.as_view(), name="api-recognition-summary"),
    path("recognition/summary/export.xlsx", catalogue.SummaryExportView.as_view(),
         name="api-recognition-summary-export"),
]
