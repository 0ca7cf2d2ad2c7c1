"""首购统计 (province-level staff) and the purchase list's Excel export."""

from django.urls import path

from .views import stats

urlpatterns = [
    path("stats/", stats.purchase_statistics, name="purchase_statistics"),
    path("stats/export/", stats.purchase_statistics_export, name="purchase_statistics_export"),
    path("purchases/export/", stats.purchase_export, name="purchase_export"),
]
