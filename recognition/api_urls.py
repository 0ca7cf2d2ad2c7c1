"""API routes of notices, objections, recognitions, certificates, verification and the catalogue (/api/v1/)."""

from django.urls import include, path

urlpatterns = [
    path("", include("recognition.api.urls_notices")),
    path("", include("recognition.api.urls_recognitions")),
    path("", include("recognition.api.urls_catalogue")),
]
