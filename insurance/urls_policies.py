"""保单 pages."""

from django.urls import path

from .views import policies

urlpatterns = [
    path("policies/", policies.policy_list, name="policy_list"),
    path("policies/export/", policies.policy_export, name="policy_export"),
    path("policies/new/", policies.policy_new, name="policy_new"),
    path("policies/<int:pk>/", policies.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", policies.policy_edit, name="policy_edit"),
]
