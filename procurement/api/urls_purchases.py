"""API routes of 首购项目 (/api/v1/procurement/): the scoped purchases with their actions and documents under
purchases/, the public purchases and objections under public/, buyer organisations under buyers/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .purchases import (
    BuyerViewSet,
    PublicPurchaseObjectionStatusView,
    PublicPurchaseObjectionView,
    PublicPurchaseViewSet,
    PurchaseExportView,
    PurchaseViewSet,
)

router = SimpleRouter()
router.register("purchases", PurchaseViewSet, basename="api-procurement-purchase")
router.register("buyers", BuyerViewSet, basename="api-procurement-buyer")
router.register("public/purchases", PublicPurchaseViewSet, basename="api-procurement-public-purchase")

urlpatterns = [
    # Before the router: "export.xlsx" must not be taken for a purchase id.
    path("purchases/export.xlsx", PurchaseExportView.as_view(), name="api-procurement-purchase-export"),
    path(
        "public/purchases/<str:id>/objections/",
        PublicPurchaseObjectionView.as_view(),
        name="api-procurement-public-objection",
    ),
    path(
        "public/purchase-objections/status/",
        PublicPurchaseObjectionStatusView.as_view(),
        name="api-procurement-public-objection-status",
    ),
    *router.urls,
]
