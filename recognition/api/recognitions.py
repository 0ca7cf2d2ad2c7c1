"""Recognitions, certificates and verification through the API (/api/v1/).

Staff (province industry): list and detail of every recognition, recognise a closed notice's items, revoke,
reissue, the ready items of a notice, a batch's certificates as a zip. City and county bureaus read their
region's recognitions. An enterprise lists its own (the same endpoints, scoped) and downloads its current
certificate. Objects outside the caller's scope answer 404. GET /api/v1/verify/{number}/ is public and
rate-limited per address (429).
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import roles_of
from certification.catalogue import Level
from certification.models import Batch
from certification.queries import is_id
from config import ratelimit

from ..models import Notice, Recognition
from ..pdf import ISSUING_AUTHORITY
from ..services import certificates as certificate_services
from ..services import recognitions as services
from ..views.verify import LIMIT, WINDOW, verification
from .serializers_recognitions import (
    ReadyItemSerializer,
    RecogniseSerializer,
    RecognitionDetailSerializer,
    RecognitionSerializer,
    ReissueSerializer,
    RevokeSerializer,
    VerificationSerializer,
)


def _staff(user):
    if not services.is_recognition_staff(user):
        raise PermissionDenied(_("只有省经信厅工作人员可以办理认定。"))


def _staff_or_404(user):
    if not services.is_recognition_staff(user):
        raise Http404


class RecognitionFilter(filters.FilterSet):
    batch = filters.NumberFilter(field_name="batch_id", label="批次 id", min_value=1, max_value=2**63 - 1)
    year = filters.NumberFilter(field_name="year", label="年度", min_value=2000, max_value=2100)
    level = filters.ChoiceFilter(choices=Level.choices)
    status = filters.ChoiceFilter(choices=Recognition.Status.choices)
    q = filters.CharFilter(method="search", label="证书编号、产品名称、企业名称或认定文号（包含即可）", max_length=60)

    class Meta:
        model = Recognition
        fields = ["batch", "year", "level", "status", "q"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        value = value.strip()
        return queryset.filter(Q(certificate_number__icontains=value) | Q(product_name__icontains=value)
                               | Q(enterprise_name__icontains=value) | Q(decision_number__icontains=value))


@extend_schema_view(
    list=extend_schema(summary="认定列表（省经信厅：全部；市县：本地区；企业：本企业）"),
    retrieve=extend_schema(summary="认定详情，含证书各版本"),
)
class RecognitionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RecognitionSerializer
    filterset_class = RecognitionFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Recognition.objects.none()
        return services.recognitions_visible_to(self.request.user).order_by("-year", "level", "sequence")

    def list(self, request, *args, **kwargs):
        roles = roles_of(request.user)
        if not (services.is_recognition_staff(request.user) or roles.is_province or roles.bureau_regions
                or roles.has("enterprise")):
            raise PermissionDenied(_("您没有查看认定的权限。"))
        return super().list(request, *args, **kwargs)

    def get_object(self):
        pk = self.kwargs["pk"]
        obj = self.get_queryset().filter(pk=pk).first() if is_id(pk) else None
        if obj is None:
            raise Http404
        return obj

    def retrieve(self, request, *args, **kwargs):
        rec = self.get_object()
        visible = certificate_services.certificates_visible_to(request.user).filter(recognition=rec)
        rows = list(rec.certificates.order_by("-version")) if services.is_recognition_staff(request.user) \
            else list(visible.order_by("-version"))
        return Response(RecognitionDetailSerializer(rec, context={"certificates": rows}).data)

    @extend_schema(request=RevokeSerializer, responses=RecognitionDetailSerializer, summary="撤销认定")
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        _staff_or_404(request.user)
        s = RevokeSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        rec = services.revoke(actor=request.user, recognition_id=self.get_object().pk, **s.validated_data)
        return Response(RecognitionDetailSerializer(rec).data)

    @extend_schema(request=ReissueSerializer, responses={201: RecognitionDetailSerializer}, summary="换发证书")
    @action(detail=True, methods=["post"])
    def reissue(self, request, pk=None):
        _staff_or_404(request.user)
        s = ReissueSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        reason = data.pop("reason")
        rec = self.get_object()
        certificate_services.reissue(actor=request.user, recognition_id=rec.pk, reason=reason, corrections=data)
        rec.refresh_from_db()
        return Response(RecognitionDetailSerializer(rec).data, status=status.HTTP_201_CREATED)


class RecogniseView(APIView):
    @extend_schema(request=RecogniseSerializer, responses={201: RecognitionSerializer(many=True)},
                   summary="认定：公示结束后批量认定所选项目",
                   description="已认定的项目跳过（不会产生第二个证书编号）；返回本次新认定的记录（201，可能为空）。")
    def post(self, request):
        _staff(request.user)
        s = RecogniseSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        created = services.recognise(actor=request.user, notice_id=d["notice"], item_ids=d["item_ids"],
                                     decision_number=d["decision_number"], decision_date=d["decision_date"])
        return Response(RecognitionSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class ReadyItemsView(APIView):
    @extend_schema(responses=ReadyItemSerializer(many=True), summary="公示中可认定的项目")
    def get(self, request, pk):
        _staff_or_404(request.user)
        notice = get_object_or_404(Notice, pk=pk) if is_id(pk) else None
        if notice is None:
            raise Http404
        return Response(ReadyItemSerializer(services.ready_items(notice), many=True).data)


class CertificateDownloadView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, summary="下载证书 PDF")
    def get(self, request, pk):
        if not is_id(pk):
            raise Http404
        certificate, handle = certificate_services.open_certificate(actor=request.user, certificate_id=int(pk))
        response = FileResponse(handle, as_attachment=True, content_type="application/pdf",
                                filename=certificate_services.download_name(certificate))
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["X-Certificate-SHA256"] = certificate.sha256
        return response


class BatchCertificatesZipView(APIView):
    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY}, summary="下载批次现行证书（zip）")
    def get(self, request, pk):
        _staff(request.user)
        batch = get_object_or_404(Batch, pk=pk) if is_id(pk) else None
        if batch is None:
            raise Http404
        archive, _count = certificate_services.batch_zip(actor=request.user, batch_id=batch.pk)
        response = FileResponse(archive, as_attachment=True, content_type="application/zip",
                                filename=f"certificates-{batch.year}-{batch.pk}.zip")
        response["Cache-Control"] = "private, no-store"
        return response


class VerifyView(APIView):
    """Public verification by certificate number (no authentication), rate-limited per address."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=VerificationSerializer, summary="证书验证（公开）",
                   parameters=[OpenApiParameter("number", str, OpenApiParameter.PATH, description="证书编号")])
    def get(self, request, number):
        if not ratelimit.allow(request, "verify", limit=LIMIT, window=WINDOW):
            raise Throttled(wait=WINDOW, detail=_("查询过于频繁，请稍后再试。"))
        rec = certificate_services.find_by_number(number)
        if rec is None:
            raise Http404
        info = verification(rec, timezone.localdate())
        current = info["current"]
        data = {
            "certificate_number": rec.certificate_number, "status": info["status"],
            "status_label": str(info["status_label"]), "enterprise_name": rec.enterprise_name,
            "product_name": rec.product_name, "model_spec": rec.model_spec, "level": rec.level,
            "level_label": str(rec.get_level_display()), "year": rec.year, "decision_number": rec.decision_number,
            "decision_date": rec.decision_date, "valid_from": rec.valid_from, "valid_until": rec.valid_until,
            "revoked_at": rec.revoked_at, "revocation_document": rec.revocation_document,
            "issuing_authority": ISSUING_AUTHORITY,
            "current_version": current.version if current else None,
            "current_sha256": (current.sha256 or None) if current else None,
            "versions": [{"version": c.version, "current": c.current, "state": c.state, "sha256": c.sha256,
                          "issued_at": c.issued_at} for c in info["versions"]],
            "checked_on": info["today"],
        }
        return Response(VerificationSerializer(data).data)
