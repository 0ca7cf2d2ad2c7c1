"""API routes of 资金拨付 (/api/v1/payouts/): payouts/ with their actions and the list's Excel export,
reward-rules/ (by batch id), budgets/, recoveries/ with their repayments, dashboard/ and the Excel exports."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    BankListView,
    BudgetViewSet,
    DashboardExportView,
    DashboardView,
    PayoutExportView,
    PayoutViewSet,
    RecoveryViewSet,
    RewardRuleViewSet,
)

router = SimpleRouter()
router.register("payouts", PayoutViewSet, basename="api-payouts-payout")
router.register("reward-rules", RewardRuleViewSet, basename="api-payouts-reward-rule")
router.register("budgets", BudgetViewSet, basename="api-payouts-budget")
router.register("recoveries", RecoveryViewSet, basename="api-payouts-recovery")

urlpatterns = [
    # Before the router: "export.xlsx" must not be taken for a payout id.
    path("payouts/export.xlsx", PayoutExportView.as_view(), name="api-payouts-export"),
    path("bank-list.xlsx", BankListView.as_view(), name="api-payouts-bank-list"),
    path("dashboard/", DashboardView.as_view(), name="api-payouts-dashboard"),
    path("dashboard/export.xlsx", DashboardExportView.as_view(), name="api-payouts-dashboard-export"),
    *router.urls,
]
