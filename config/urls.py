from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from accounts import api_experts as accounts_api_experts
from accounts import views as accounts_views
from accounts.auth_views import LoginView
from config import views as site_views
from notifications import api as notifications_api
from notifications import views as notifications_views

router = DefaultRouter()
router.register("organisations", accounts_api.OrganisationViewSet, basename="organisation")
router.register("regions", accounts_api.RegionViewSet, basename="region")
router.register("experts", accounts_api_experts.ExpertViewSet, basename="expert")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")

api_v1 = [
    path("me/", accounts_api.MeView.as_view(), name="api-me"),
    path("register/", accounts_api.RegistrationView.as_view(), name="api-register"),
    path("", include(router.urls)),
    path("", include("certification.api_urls")),
    path("review/", include("review.api_urls")),
    path("", include("recognition.api_urls")),
    path("insurance/", include("insurance.api_urls")),
    path("procurement/", include("procurement.api_urls")),
    path("payouts/", include("payouts.api_urls")),
]

urlpatterns = [
    path("", site_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", site_views.healthz, name="healthz"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password-change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("register/", accounts_views.register, name="register"),
    path("verify-email/<str:token>/", accounts_views.verify_email, name="verify_email"),
    path("dashboard/", accounts_views.dashboard, name="dashboard"),
    path("organisation/", accounts_views.my_organisation, name="my_organisation"),
    path("organisations/", accounts_views.org_list, name="org_list"),
    path("organisations/review/", accounts_views.org_review_list, name="org_review_list"),
    path("organisations/<int:pk>/", accounts_views.org_detail, name="org_detail"),
    path("experts/", include("accounts.urls_experts")),
    path("inbox/", notifications_views.inbox, name="inbox"),
    path("inbox/<int:pk>/", notifications_views.open_notification, name="notification_open"),
    path("inbox/read-all/", notifications_views.mark_all_read, name="notification_read_all"),
    path("settings/notifications/", notifications_views.preferences, name="notification_preferences"),
    path("", include("certification.urls")),
    path("review/", include("review.urls")),
    path("", include("recognition.urls")),
    path("insurance/", include("insurance.urls")),
    path("procurement/", include("procurement.urls")),
    path("payouts/", include("payouts.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"

if settings.DEBUG:
    from django.views.static import serve

    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
