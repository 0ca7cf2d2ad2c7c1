"""API routes (to be filled by the feature)."""

urlpatterns = []
