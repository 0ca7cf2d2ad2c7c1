"""采购人单位 pages: the list, a new buyer organisation, one organisation's members and invitations, an
invitation sent again."""

from django.urls import path

from .views import buyers

urlpatterns = [
    path("buyers/", buyers.buyer_list, name="buyer_list"),
    path("buyers/new/", buyers.buyer_new, name="buyer_new"),
    path("buyers/<int:pk>/", buyers.buyer_detail, name="buyer_detail"),
    path("buyers/<int:pk>/members/<int:user_pk>/invite/", buyers.buyer_member_invite, name="buyer_member_invite"),
]
