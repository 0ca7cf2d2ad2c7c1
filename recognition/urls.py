"""Pages of notices, objections, recognitions, certificates, verification and the catalogue. Each area has its
own module of routes (urls_notices: notices and objections; urls_recognitions: recognitions, certificates,
verification, revocation; urls_catalogue: the public catalogue and batch summaries)."""

from django.urls import include, path

urlpatterns = [
    path("", include("recognition.urls_notices")),
    path("", include("recognition.urls_recognitions")),
    path("", include("recognition.urls_catalogue")),
]
