"""api/urls_stats (routes added by the feature)."""

urlpatterns = []
