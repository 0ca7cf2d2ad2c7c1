from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import services
from .models import Notification
from .queries import inbox_for, inbox_rows_for, unread_count


def _iso(value):
    value = timezone.localtime(value).isoformat()
    return value[:-6] + "Z" if value.endswith("+00:00") else value


def _label(name):
    return Notification._meta.get_field(name).verbose_name


class NotificationSerializer(serializers.Serializer):
    """A notification in the user's inbox."""

    # Declared fields, not a ModelSerializer: this is the most requested list, and a ModelSerializer rebuilds
    # its fields from the model on every request (bench/README.md, "inbox").

    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True, label=_label("kind"))
    subject = serializers.CharField(read_only=True, label=_label("subject"))
    body = serializers.CharField(read_only=True, label=_label("body"))
    link = serializers.CharField(read_only=True, label=_label("link"))
    created_at = serializers.DateTimeField(read_only=True, label=_label("created_at"))
    read_at = serializers.DateTimeField(read_only=True, allow_null=True, label=_label("read_at"))
    is_read = serializers.SerializerMethodField()

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None

    def to_representation(self, row):
        # The list reads plain rows (inbox_rows_for); one dict per row, no per-field loop. Datetimes as
        # DRF's DateTimeField gives them: ISO 8601 in the current time zone.
        get = row.get if isinstance(row, dict) else row.__dict__.get
        read_at = get("read_at")
        return {
            "id": get("id"),
            "kind": get("kind"),
            "subject": get("subject"),
            "body": get("body"),
            "link": get("link"),
            "created_at": _iso(get("created_at")),
            "read_at": None if read_at is None else _iso(read_at),
            "is_read": read_at is not None,
        }


class NotificationFilter(filters.FilterSet):
    """Declared once: with `filterset_fields` django-filter builds a new FilterSet class on every request."""

    class Meta:
        model = Notification
        fields = {"kind": ["exact"], "read_at": ["isnull"]}


class OnlyWhenFilteredBackend(filters.DjangoFilterBackend):
    """DjangoFilterBackend that skips building the filter form when no filter parameter is given (the
    common, unfiltered inbox page); with any filter parameter it validates and filters as usual."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                help_text=_("不填则全部标记为已读"))


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The current user's inbox."""

    serializer_class = NotificationSerializer
    filter_backends = [OnlyWhenFilteredBackend]
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs without a user
            return Notification.objects.none()
        if self.action == "list":
            return inbox_rows_for(self.request.user)
        return inbox_for(self.request.user)

    @extend_schema(responses={200: {"type": "object", "properties": {"unread": {"type": "integer"}}}})
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": unread_count(request.user)})

    @extend_schema(request=MarkReadSerializer, responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        s = MarkReadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        marked = services.mark_read(user=request.user, notification_ids=s.validated_data.get("ids"))
        return Response({"marked": marked})
