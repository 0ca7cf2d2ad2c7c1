"""API routes of recognitions, certificates, verification and revocation (/api/v1/)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import recognitions

ID = r"[0-9]{1,18}"

router = SimpleRouter()
router.register("recognitions", recognitions.RecognitionViewSet, basename="api-recognition")

urlpatterns = [
    path("recognitions/recognise/", recognitions.RecogniseView.as_view(), name="api-recognise"),
    re_path(rf"^recognitions/notices/(?P<pk>{ID})/ready/$", recognitions.ReadyItemsView.as_view(),
            name="api-recognition-ready-items"),
    re_path(rf"^recognitions/batches/(?P<pk>{ID})/certificates\.zip$", recognitions.BatchCertificatesZipView.as_view(),
            name="api-recognition-batch-zip"),
    re_path(rf"^certificates/(?P<pk>{ID})/download/$", recognitions.CertificateDownloadView.as_view(),
            name="api-certificate-download"),
    path("verify/<str:number>/", recognitions.VerifyView.as_view(), name="api-verify"),
    *router.urls,
]
