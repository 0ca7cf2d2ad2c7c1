"""Reward rules, budgets and recoveries."""

from django.urls import path

from .views import setup

urlpatterns = [
    path("rules/", setup.reward_rule_list, name="reward_rule_list"),
    path("rules/<int:batch_pk>/", setup.reward_rule_edit, name="reward_rule_edit"),
    path("rules/<int:batch_pk>/propose/", setup.reward_propose, name="reward_propose"),
    path("budgets/", setup.budget_list, name="budget_list"),
    path("recoveries/", setup.recovery_list, name="recovery_list"),
    path("recoveries/<int:pk>/", setup.recovery_detail, name="recovery_detail"),
]
