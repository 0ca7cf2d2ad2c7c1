"""Pages of the recognition workflow. Each helper adds its own lines; keep the others'."""

from django.urls import path  # noqa: F401

urlpatterns = [
]
