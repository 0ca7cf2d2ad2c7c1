"""首购项目 pages (login). The services link notifications to /procurement/purchases/<id>/ (purchase_detail)."""

from django.urls import path

from .views import purchases

urlpatterns = [
    path("purchases/", purchases.purchase_list, name="purchase_list"),
    path("purchases/new/", purchases.purchase_new, name="purchase_new"),
    path("purchases/<int:pk>/", purchases.purchase_detail, name="purchase_detail"),
    path("purchases/<int:pk>/edit/", purchases.purchase_edit, name="purchase_edit"),
    path("purchases/<int:pk>/notice/", purchases.purchase_notice, name="purchase_notice"),
    path("purchases/<int:pk>/action/", purchases.purchase_action, name="purchase_action"),
    path("purchases/<int:pk>/justify/", purchases.purchase_justify, name="purchase_justify"),
    path("purchases/<int:pk>/award/", purchases.purchase_award, name="purchase_award"),
    path("purchases/<int:pk>/contract/", purchases.purchase_contract, name="purchase_contract"),
    path("purchases/<int:pk>/documents/", purchases.purchase_document_upload, name="purchase_document_upload"),
    path(
        "purchases/<int:pk>/documents/<int:document_pk>/",
        purchases.purchase_document_download,
        name="purchase_document_download",
    ),
    path(
        "purchases/<int:pk>/documents/<int:document_pk>/remove/",
        purchases.purchase_document_remove,
        name="purchase_document_remove",
    ),
]
