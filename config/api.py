"""API conventions shared by every app: pagination and one error format."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

log = logging.getLogger("django.request")


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _flatten(prefix, value, out, item=""):
    """Nested serializer errors under flat keys. Named sub-fields extend the key; list items prefix the message
    with the item's number: {"indicators": [{}, {"our_value": ["必填。"]}]} → {"indicators.our_value":
    ["第2项：必填。"]}; {"ids": {0: ["…"]}} → {"ids": ["第1项：…"]}."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(key, int):  # a ListField's item (a DictField's keys are strings: they stay in the key)
                _flatten(prefix, inner, out, _("第%(n)s项：") % {"n": int(key) + 1})
            else:
                _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out, item)
    elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        for index, inner in enumerate(value):
            if inner:
                _flatten(prefix, inner, out, _("第%(n)s项：") % {"n": index + 1})
    elif isinstance(value, list):
        out.setdefault(prefix, []).extend(item + str(m) for m in value)
    else:
        out.setdefault(prefix, []).append(item + str(value))
    return out


def _fields_from(detail):
    if isinstance(detail, dict):
        return _flatten("", detail, {})
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
        # An unexpected error: logged with its traceback, answered in the API's format rather than as HTML.
        log.error("unhandled API error", exc_info=exc)
        if settings.DEBUG:
            return None
        return Response(
            {"error": {"code": "server_error", "message": _("服务器内部错误，请稍后重试。"), "fields": {}}},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
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
