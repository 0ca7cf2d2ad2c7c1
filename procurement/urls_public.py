"""Public pages of 政府首购 (no login): single-source notices and results, objections and their status."""

from django.urls import path

from .views import public

urlpatterns = [
    path("public/", public.public_notice_list, name="public_notice_list"),
    path("public/<int:pk>/", public.public_purchase_detail, name="public_purchase_detail"),
    path("public/<int:pk>/objection/", public.public_objection, name="public_objection"),
    path("public/objection-status/", public.purchase_objection_status, name="purchase_objection_status"),
    path("public/receipt/<str:tracking_number>/", public.purchase_objection_receipt, name="purchase_objection_receipt"),
]
