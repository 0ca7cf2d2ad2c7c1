"""Pages of recognitions, certificates, verification and revocation."""

from django.urls import path

from .views import recognitions, verify

urlpatterns = [
    # Province staff (city and county bureaus read their region's list)
    path("recognitions/", recognitions.recognition_list, name="recognition_list"),
    path("recognitions/notices/<int:notice_pk>/", recognitions.recognise_page, name="recognition_recognise"),
    path("recognitions/<int:pk>/", recognitions.recognition_detail, name="recognition_detail"),
    path("recognitions/<int:pk>/reissue/", recognitions.recognition_reissue, name="recognition_reissue"),
    path("recognitions/<int:pk>/revoke/", recognitions.recognition_revoke, name="recognition_revoke"),
    path("recognitions/batches/<int:batch_pk>/certificates.zip", recognitions.batch_certificates_zip,
         name="recognition_batch_zip"),
    # Enterprises
    path("recognitions/mine/", recognitions.my_recognitions, name="recognition_mine"),
    path("certificates/<int:pk>/download/", recognitions.certificate_download, name="certificate_download"),
    # The public
    path("verify/", verify.verify_form, name="verify"),
    path("verify/check/", verify.verify_upload, name="verify_upload"),
    path("verify/<str:number>/", verify.verify_certificate, name="verify_certificate"),
]
