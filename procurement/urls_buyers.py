"""urls_buyers (routes added by the feature)."""

urlpatterns = []
