"""补偿申请 pages. The services link notifications to /insurance/claims/<id>/ (claim_detail)."""

from django.urls import path

from .views import claims

urlpatterns = [
    path("claims/", claims.claim_list, name="claim_list"),
    path("claims/export/", claims.claim_export, name="claim_export"),
    path("claims/new/", claims.claim_new, name="claim_new"),
    path("claims/<int:pk>/", claims.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/edit/", claims.claim_edit, name="claim_edit"),
    path("claims/<int:pk>/action/", claims.claim_action, name="claim_action"),
    path("claims/<int:pk>/documents/", claims.document_upload, name="claim_document_upload"),
    path("claims/<int:pk>/documents/<int:document_pk>/", claims.document_download, name="claim_document_download"),
    path("claims/<int:pk>/documents/<int:document_pk>/remove/", claims.document_remove,
         name="claim_document_remove"),
]
