"""api/urls_ocds (routes added by the feature)."""

urlpatterns = []
