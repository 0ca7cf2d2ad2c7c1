"""API routes of 政府首购 (/api/v1/procurement/)."""

from django.urls import include, path

urlpatterns = [
    path("", include("procurement.api.urls_purchases")),
    path("", include("procurement.api.urls_ocds")),
    path("", include("procurement.api.urls_stats")),
]
