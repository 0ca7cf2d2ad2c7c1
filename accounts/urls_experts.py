"""Pages of the expert pool (专家库), under /experts/."""

from django.urls import path

from . import views_experts as views

urlpatterns = [
    path("", views.expert_list, name="expert_list"),
    path("new/", views.expert_new, name="expert_new"),
    path("import/", views.expert_import, name="expert_import"),
    path("import/template.xlsx", views.expert_import_template, name="expert_import_template"),
    path("<int:pk>/", views.expert_detail, name="expert_detail"),
    path("<int:pk>/edit/", views.expert_edit, name="expert_edit"),
    path("<int:pk>/active/", views.expert_set_active, name="expert_set_active"),
    path("<int:pk>/invite/", views.expert_invite, name="expert_invite"),
]
