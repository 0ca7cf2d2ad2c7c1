"""Routes (to be filled by the feature)."""

urlpatterns = []
