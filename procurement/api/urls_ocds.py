"""API routes of the OCDS 1.1 export (/api/v1/procurement/): one purchase's release package and the streamed
package of every public purchase (procurement/api/ocds.py)."""

from django.urls import path

from .ocds import OcdsPackageView, PurchaseOcdsView

urlpatterns = [
    path("purchases/<int:pk>/ocds/", PurchaseOcdsView.as_view(), name="api-procurement-purchase-ocds"),
    path("ocds/", OcdsPackageView.as_view(), name="api-procurement-ocds"),
]
