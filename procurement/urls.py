"""Pages of 政府首购 (/procurement/): the buyer's purchases, the public notices, buyer organisations, statistics."""

from django.urls import include, path

urlpatterns = [
    path("", include("procurement.urls_purchases")),
    path("", include("procurement.urls_public")),
    path("", include("procurement.urls_buyers")),
    path("", include("procurement.urls_stats")),
]
