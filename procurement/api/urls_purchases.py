"""api/urls_purchases (routes added by the feature)."""

urlpatterns = []
