"""Routes of the public catalogue (推广应用指导目录) and of the batch summary for province staff."""

from django.urls import path

from .views import catalogue, summary

urlpatterns = [
    path("catalogue/", catalogue.catalogue, name="catalogue"),
    path("catalogue/export.xlsx", catalogue.catalogue_export, name="catalogue_export"),
    path("recognition/summary/", summary.summary, name="recognition_summary"),
    path("recognition/summary/export.xlsx", summary.summary_export, name="recognition_summary_export"),
]
