"""Serializers of the recognition, certificate and verification API."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from certification.catalogue import Level

from ..models import Certificate, Recognition
from ..services.recognitions import status_on


class CertificateSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "version", "current", "state", "reason", "sha256", "size", "issued_at", "generated_at",
                  "download_url"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, obj):
        if obj.state != Certificate.State.READY:
            return None
        return reverse("api-certificate-download", args=[obj.pk])


class RecognitionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    status = serializers.SerializerMethodField(help_text="状态（按今日计算：有效期届满即为 expired）")
    status_label = serializers.SerializerMethodField()
    batch_name = serializers.CharField(source="batch.name", read_only=True)
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Recognition
        fields = ["id", "certificate_number", "year", "level", "level_label", "batch", "batch_name",
                  "enterprise", "enterprise_name", "enterprise_uscc", "product_name", "model_spec", "category",
                  "equipment_form", "field", "city", "region", "decision_number", "decision_date", "valid_from",
                  "valid_until", "status", "status_label", "revoked_at", "revocation_reason", "revocation_document",
                  "created_at", "verify_url"]

    @extend_schema_field(serializers.ChoiceField(choices=Recognition.Status.choices))
    def get_status(self, obj):
        return status_on(obj)

    def get_status_label(self, obj) -> str:
        return str(Recognition.Status(status_on(obj)).label)

    def get_verify_url(self, obj) -> str:
        return reverse("verify_certificate", args=[obj.certificate_number])


class RecognitionDetailSerializer(RecognitionSerializer):
    certificates = serializers.SerializerMethodField()

    class Meta(RecognitionSerializer.Meta):
        fields = [*RecognitionSerializer.Meta.fields, "certificates"]

    @extend_schema_field(CertificateSerializer(many=True))
    def get_certificates(self, obj):
        visible = self.context.get("certificates")
        rows = visible if visible is not None else obj.certificates.order_by("-version")
        return CertificateSerializer(rows, many=True).data


class RecogniseSerializer(serializers.Serializer):
    notice = serializers.IntegerField(min_value=1, help_text="公示 id（须已结束）")
    item_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False,
                                     help_text="要认定的公示项目 id", max_length=1000)
    decision_number = serializers.CharField(max_length=60, help_text="认定文号")
    decision_date = serializers.DateField(help_text="认定日期（有效期自此日起三年）")


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="撤销理由")
    document_number = serializers.CharField(max_length=60, help_text="撤销文号")


class ReissueSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="换发原因")
    enterprise_name = serializers.CharField(max_length=200, required=False)
    enterprise_uscc = serializers.CharField(max_length=18, required=False)
    product_name = serializers.CharField(max_length=120, required=False)
    model_spec = serializers.CharField(max_length=120, required=False)


class ReadyItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    level = serializers.ChoiceField(choices=Level.choices)
    application = serializers.IntegerField(source="application_id")
    product_name = serializers.CharField(source="application.product_name")
    enterprise_name = serializers.CharField(source="application.enterprise.name")


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    current = serializers.BooleanField(help_text="现行版本；false 表示已被换发的新版本替代")
    state = serializers.CharField()
    sha256 = serializers.CharField(help_text="证书 PDF 的 SHA-256 指纹（生成中为空）")
    issued_at = serializers.DateTimeField()


class VerificationSerializer(serializers.Serializer):
    certificate_number = serializers.CharField()
    status = serializers.ChoiceField(choices=Recognition.Status.choices)
    status_label = serializers.CharField()
    enterprise_name = serializers.CharField()
    product_name = serializers.CharField()
    model_spec = serializers.CharField()
    level = serializers.CharField()
    level_label = serializers.CharField()
    year = serializers.IntegerField()
    decision_number = serializers.CharField()
    decision_date = serializers.DateField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revocation_document = serializers.CharField()
    issuing_authority = serializers.CharField()
    current_version = serializers.IntegerField(allow_null=True)
    current_sha256 = serializers.CharField(allow_null=True)
    versions = VersionSerializer(many=True)
    checked_on = serializers.DateField()
