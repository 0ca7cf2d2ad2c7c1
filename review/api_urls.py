"""API routes of expert review, under /api/v1/review/."""

urlpatterns = []
