"""API routes of expert review, under /api/v1/review/."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from .api.access import ID
from .api.assignments import ApplicationSheetsView, AssignmentRemoveView, ProposalView, SheetReopenView
from .api.expert import MyAssignmentViewSet, MyDashboardView, MySheetViewSet
from .api.rounds import RoundViewSet

router = SimpleRouter()
router.register("rounds", RoundViewSet, basename="review-round")
router.register("my/assignments", MyAssignmentViewSet, basename="review-my-assignment")
router.register("my/sheets", MySheetViewSet, basename="review-my-sheet")

urlpatterns = [
    path("my/", MyDashboardView.as_view(), name="review-my"),
    re_path(rf"^assignments/(?P<pk>{ID})/remove/$", AssignmentRemoveView.as_view(), name="review-assignment-remove"),
    re_path(rf"^applications/(?P<pk>{ID})/sheets/$", ApplicationSheetsView.as_view(),
            name="review-application-sheets"),
    re_path(rf"^applications/(?P<pk>{ID})/proposal/$", ProposalView.as_view(), name="review-proposal"),
    re_path(rf"^sheets/(?P<pk>{ID})/reopen/$", SheetReopenView.as_view(), name="review-sheet-reopen"),
    *router.urls,
]
