"""Pages of the recognition workflow. Each helper adds its own lines; keep the others'."""

from django.urls import path

from . import views_files
from .views import applications as app_views
from .views import batches as batch_views

urlpatterns = [
    path("batches/", batch_views.batch_list, name="batch_list"),
    path("batches/new/", batch_views.batch_edit, name="batch_new"),
    path("batches/<int:pk>/", batch_views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/edit/", batch_views.batch_edit, name="batch_edit"),
    path("batches/<int:pk>/publish/", batch_views.batch_publish, name="batch_publish"),
    path("batches/<int:pk>/close/", batch_views.batch_close, name="batch_close"),
    path("applications/", app_views.application_list, name="application_list"),
    path("applications/new/", app_views.application_new, name="application_new"),
    path("applications/export.xlsx", app_views.application_export, name="application_export"),
    path("applications/<int:pk>/", app_views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", app_views.application_edit, name="application_edit"),
    path("applications/<int:pk>/autosave/", app_views.application_autosave, name="application_autosave"),
    path("applications/<int:pk>/action/", app_views.application_action, name="application_action"),
    path("applications/<int:pk>/attachments/", app_views.attachment_upload, name="attachment_upload"),
    path("applications/<int:pk>/attachments/<int:attachment_pk>/remove/", app_views.attachment_remove,
         name="attachment_remove"),
    path("applications/<int:pk>/revisions/<int:number>/diff/", app_views.revision_diff, name="revision_diff"),
    path("attachments/<int:pk>/download/", views_files.attachment_download, name="attachment_download"),
]
