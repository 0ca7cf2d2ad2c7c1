"""Pages of notices and objections: public ones under /notices/ and /objections/ (no login), staff ones under
/notices/manage/ (province industry staff)."""

from django.urls import path

from .views import notices as staff
from .views import public_notices as public

urlpatterns = [
    # The public
    path("notices/", public.notice_list, name="notice_public_list"),
    path("notices/<int:pk>/", public.notice_detail, name="notice_public_detail"),
    path("notices/<int:pk>/notice.pdf", public.notice_pdf, name="notice_public_pdf"),
    path("notices/<int:pk>/objection/", public.objection_new, name="objection_new"),
    path("objections/receipt/<str:tracking_number>/", public.objection_receipt, name="objection_receipt"),
    path("objections/status/", public.objection_status, name="objection_status"),
    # Province staff
    path("notices/manage/", staff.notice_list, name="notice_manage_list"),
    path("notices/manage/new/<int:batch_pk>/", staff.notice_new, name="notice_new"),
    path("notices/manage/<int:pk>/", staff.notice_detail, name="notice_manage_detail"),
    path("notices/manage/<int:pk>/edit/", staff.notice_edit, name="notice_edit"),
    path("notices/manage/<int:pk>/refresh/", staff.notice_refresh, name="notice_refresh"),
    path("notices/manage/<int:pk>/publish/", staff.notice_publish, name="notice_publish"),
    path("notices/manage/<int:pk>/close/", staff.notice_close, name="notice_close"),
    path("notices/manage/<int:pk>/notice.pdf", staff.notice_pdf, name="notice_manage_pdf"),
    path("notices/manage/objections/", staff.objection_list, name="objection_manage_list"),
    path("notices/manage/objections/<int:pk>/", staff.objection_detail, name="objection_manage_detail"),
    path("notices/manage/objections/<int:pk>/investigate/", staff.objection_investigate,
         name="objection_investigate"),
    path("notices/manage/objections/<int:pk>/resolve/", staff.objection_resolve, name="objection_resolve"),
    path("notices/manage/objections/<int:pk>/evidence/", staff.objection_evidence, name="objection_evidence"),
]
