"""API routes of the compensation rule sets (/api/v1/insurance/rule-sets/)."""

from rest_framework.routers import SimpleRouter

from .rules import RuleSetViewSet

router = SimpleRouter()
router.register("rule-sets", RuleSetViewSet, basename="api-insurance-rule-set")

urlpatterns = router.urls
