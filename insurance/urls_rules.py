"""补偿规则 pages."""

from django.urls import path

from .views import rules

urlpatterns = [
    path("rules/", rules.rule_set_list, name="rule_set_list"),
    path("rules/new/", rules.rule_set_new, name="rule_set_new"),
    path("rules/<int:pk>/", rules.rule_set_detail, name="rule_set_detail"),
    path("rules/<int:pk>/edit/", rules.rule_set_edit, name="rule_set_edit"),
]
