"""API conventions shared by every app: pagination and one error format."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _fields_from(detail):
    if isinstance(detail, dict):
        return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    return {}


def exception_handler(exc, context):
    """Every error answers {"error": {"code", "message", "fields"}}; field errors name the field."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields_from(exc.detail)
        if isinstance(exc.detail, list):
            fields = {"non_field_errors": [str(m) for m in exc.detail]}
        first = next(iter(fields.values()), [""])[0] if fields else ""
        message = _("提交的数据有误：%(first)s") % {"first": first} if first else _("提交的数据有误。")
        body = {"error": {"code": "invalid", "message": message, "fields": fields}}
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        if isinstance(detail, dict):
            body = {"error": {"code": code, "message": str(detail.get("detail", "")), "fields": _fields_from(detail)}}
        else:
            body = {"error": {"code": code, "message": str(detail), "fields": {}}}
    response.data = body
    return response
