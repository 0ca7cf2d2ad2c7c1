"""Batches (认定批次) through the API: everyone signed in reads published ones; province staff manage them."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Region

from ..catalogue import Category, EquipmentForm
from ..models import Application, Batch, BatchQuota
from ..queries import batches_visible_to
from ..services import batches as services


def quotas_with_use():
    """Quotas with the number of standing city recommendations, in one query for all batches of a page."""
    used = (
        Application.objects.filter(batch_id=OuterRef("batch_id"), city_id=OuterRef("city_id"),
                                   city_recommended_at__isnull=False)
        .exclude(state="withdrawn")
        .order_by()
        .values("batch_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        BatchQuota.objects.select_related("city")
        .annotate(used=Coalesce(Subquery(used, output_field=IntegerField()), Value(0)))
        .order_by("city__sort_order", "city__code")
    )


class QuotaSerializer(serializers.ModelSerializer):
    city = serializers.PrimaryKeyRelatedField(queryset=Region.objects.filter(level=Region.Level.CITY),
                                              label=_("设区市"))
    city_name = serializers.CharField(source="city.name", read_only=True)
    used = serializers.IntegerField(read_only=True, label=_("已推荐"))

    class Meta:
        model = BatchQuota
        fields = ["city", "city_name", "quota", "used"]


class BatchSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    categories = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices), required=False,
                                       label=_("受理类别"))
    equipment_forms = serializers.ListField(child=serializers.ChoiceField(choices=EquipmentForm.choices),
                                            required=False, label=_("装备形式"))
    attachment_requirements = serializers.JSONField(required=False, label=_("附件要求"))
    quotas = QuotaSerializer(many=True, required=False, label=_("推荐名额"))

    class Meta:
        model = Batch
        fields = ["id", "year", "name", "categories", "equipment_forms", "opens_at", "closes_at",
                  "recommend_deadline", "attachment_requirements", "notes", "state", "state_label",
                  "published_at", "created_at", "quotas"]
        read_only_fields = ["state", "published_at", "created_at"]

    def service_kwargs(self):
        data = dict(self.validated_data)
        quotas = data.pop("quotas", None)
        if quotas is not None:
            data["quotas"] = {q["city"].pk: q["quota"] for q in quotas}
        return data


class BatchFilter(filters.FilterSet):
    class Meta:
        model = Batch
        fields = ["year", "state"]


class BatchViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """认定批次. Published batches for every signed-in user, drafts for province staff, who create, edit, publish
    and close them."""

    serializer_class = BatchSerializer
    filterset_class = BatchFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Batch.objects.none()
        return batches_visible_to(self.request.user).prefetch_related(Prefetch("quotas", queryset=quotas_with_use()))

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        batch = services.create_batch(actor=request.user, **s.service_kwargs())
        return Response(self.get_serializer(self._fresh(batch.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        batch = self.get_object()  # 404 outside the user's scope
        s = self.get_serializer(batch, data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        services.update_batch(actor=request.user, batch_id=batch.pk, **s.service_kwargs())
        return Response(self.get_serializer(self._fresh(batch.pk)).data)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        batch = self.get_object()
        services.publish_batch(actor=request.user, batch_id=batch.pk)
        return Response(self.get_serializer(self._fresh(batch.pk)).data)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        batch = self.get_object()
        services.close_batch(actor=request.user, batch_id=batch.pk)
        return Response(self.get_serializer(self._fresh(batch.pk)).data)
