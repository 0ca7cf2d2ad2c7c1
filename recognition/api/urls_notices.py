"""API routes of notices and objections (/api/v1/): staff under notices/ and objections/, the public under
public/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .notices import (
    NoticeViewSet,
    ObjectionViewSet,
    PublicNoticeViewSet,
    PublicObjectionStatusView,
    PublicObjectionView,
)

router = SimpleRouter()
router.register("notices", NoticeViewSet, basename="notice")
router.register("objections", ObjectionViewSet, basename="objection")
router.register("public/notices", PublicNoticeViewSet, basename="public-notice")

urlpatterns = [
    path("public/objections/", PublicObjectionView.as_view(), name="public-objection-create"),
    path("public/objections/status/", PublicObjectionStatusView.as_view(), name="public-objection-status"),
    *router.urls,
]
