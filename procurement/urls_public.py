"""urls_public (routes added by the feature)."""

urlpatterns = []
