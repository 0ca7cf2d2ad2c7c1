"""政府首购 as OCDS 1.1 open data (procurement/ocds.py) through the API (/api/v1/procurement/).

    GET purchases/<id>/ocds/   the release package of one purchase. Anyone may read a public purchase (a published
                               single-source notice or an award: queries.public_purchases); a signed-in user also
                               the purchases in their scope (queries.purchases_visible_to, drafts of their own
                               buyer included). Anything else answers 404.
    GET ocds/[?year=YYYY]      one release package of every public purchase (of the year the purchase was created),
                               streamed: rows are read in chunks and the JSON written as it is built, so the whole
                               set is never held in memory. No pagination: OCDS release packages have no paging
                               links, and a bulk file is what OCDS tools expect. A package needs at least one
                               release (schema: minItems 1), so no matching purchase answers 404.

Both answer `application/json` (not DRF's content negotiation) and are open without authentication.
"""

import json

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import APIView

from certification.queries import is_id

from .. import ocds
from ..queries import public_purchases, purchases_visible_to

CONTENT_TYPE = "application/json"
PACKAGE_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="OCDS 1.1 release package (https://standard.open-contracting.org/1.1/en/schema/release_package/)",
)
NOT_FOUND = OpenApiResponse(description="不存在、不公开或没有可发布的记录")


def purchase_for_ocds(user, pk):
    """The purchase if public, or else in the signed-in user's scope; otherwise 404."""
    if not is_id(pk):
        raise Http404
    found = ocds.ocds_queryset(public_purchases().filter(pk=pk)).first()
    if found is None and getattr(user, "is_authenticated", False):
        found = ocds.ocds_queryset(purchases_visible_to(user).filter(pk=pk)).first()
    if found is None:
        raise Http404
    return found


class PurchaseOcdsView(APIView):
    """One purchase's release package."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="procurement_purchase_ocds",
        summary="单个首购项目的 OCDS 1.1 发布包（公开数据）",
        responses={(200, CONTENT_TYPE): PACKAGE_RESPONSE, 404: NOT_FOUND},
    )
    def get(self, request, pk):
        purchase = purchase_for_ocds(request.user, pk)
        package = ocds.release_package([purchase], uri=ocds.package_uri(purchase))
        response = HttpResponse(json.dumps(package, ensure_ascii=False), content_type=CONTENT_TYPE)
        if not public_purchases().filter(pk=purchase.pk).exists():
            response["Cache-Control"] = "private, no-store"
        return response


def _year(request):
    raw = request.query_params.get("year")
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2100):
        raise ValidationError({"year": [_("请输入 2000 至 2100 之间的年份。")]})
    return int(raw)


class OcdsPackageView(APIView):
    """Every public purchase as one streamed release package."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="procurement_ocds_package",
        summary="全部公开首购项目的 OCDS 1.1 发布包（流式输出）",
        description="每个公开的首购项目（已发布单一来源公示或已成交）一条 release，按项目创建年度筛选；"
        "不分页，整包流式输出。没有符合条件的记录时返回 404（OCDS 发布包至少含一条 release）。",
        parameters=[OpenApiParameter("year", int, description="项目年度（创建年度），如 2026")],
        responses={(200, CONTENT_TYPE): PACKAGE_RESPONSE, 404: NOT_FOUND},
    )
    def get(self, request):
        year = _year(request)
        queryset = public_purchases()
        if year is not None:
            queryset = queryset.filter(created_at__year=year)
        if not queryset.exists():
            raise NotFound(_("没有可发布的首购项目。"))
        stream = ocds.stream_package(queryset, uri=ocds.package_uri() + (f"?year={year}" if year else ""))
        response = StreamingHttpResponse((chunk.encode() for chunk in stream), content_type=CONTENT_TYPE)
        response["Content-Disposition"] = 'inline; filename="ocds-release-package.json"'
        return response
