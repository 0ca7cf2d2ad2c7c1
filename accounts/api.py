"""REST API for accounts; thin: validate, call a service, serialise."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from . import services
from .models import Membership, Organisation, Region, normalise_uscc, validate_uscc
from .queries import organisations_visible_to
from .roles import roles_of


class RegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent", "parent_code"]


class OrganisationSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "kind", "name", "uscc", "region", "region_name", "bureau_level", "department",
                  "contact_name", "contact_phone", "contact_email", "status", "status_label", "status_reason",
                  "created_at"]
        read_only_fields = ["status", "status_reason", "created_at"]
        extra_kwargs = {"uscc": {"validators": []}}  # checked below, with our messages

    def validate_uscc(self, value):
        value = normalise_uscc(value)
        validate_uscc(value)
        return value


class UsccField(serializers.CharField):
    def to_internal_value(self, data):
        value = normalise_uscc(super().to_internal_value(data))
        validate_uscc(value)
        return value


class RegistrationSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, label=_("企业名称"))
    uscc = UsccField(max_length=30, label=_("统一社会信用代码"))
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.filter(level=Region.Level.COUNTY),
                                                label=_("所在县（市、区）"))
    contact_name = serializers.CharField(max_length=60, label=_("联系人"))
    contact_phone = serializers.CharField(max_length=30, label=_("联系电话"))
    email = serializers.EmailField(label=_("邮箱"))
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150, label=_("登录用户名"))
    password = serializers.CharField(write_only=True, min_length=10, label=_("密码"), style={"input_type": "password"})


class MembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["organisation", "role", "role_label", "is_admin"]


class ReviewSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, label=_("审核意见"))


class MeView(APIView):
    """The current user, their memberships and roles."""

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request):
        user = request.user
        roles = roles_of(user)
        expert = roles.expert_profile
        return Response({
            "id": user.pk,
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "roles": sorted(roles.codes),
            "memberships": MembershipSerializer(roles.memberships, many=True).data,
            "expert": (
                {"title": expert.title, "fields": expert.fields, "employer": expert.employer_id} if expert else None
            ),
        })


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions of the province (reference data readable by every signed-in user)."""

    serializer_class = RegionSerializer
    queryset = Region.objects.select_related("parent").order_by("sort_order", "code")
    filterset_fields = ["level", "parent"]
    pagination_class = None


class OrganisationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Organisations in the user's scope; province staff may create; reviewers approve or reject registrations."""

    serializer_class = OrganisationSerializer
    filterset_fields = ["kind", "status", "region"]

    def get_queryset(self):
        qs = organisations_visible_to(self.request.user)
        q = self.request.query_params.get("q")
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q.upper()))
        return qs.order_by("kind", "name")

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.create_organisation(actor=self.request.user, **d)

    def _review(self, request, approve):
        s = ReviewSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        fn = services.approve_registration if approve else services.reject_registration
        org = fn(actor=request.user, organisation_id=self.kwargs["pk"], reason=s.validated_data.get("reason", ""))
        return Response(OrganisationSerializer(org).data)

    @extend_schema(request=ReviewSerializer, responses=OrganisationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._review(request, True)

    @extend_schema(request=ReviewSerializer, responses=OrganisationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._review(request, False)


class RegistrationView(APIView):
    """Enterprise self-registration (anonymous). A verification e-mail follows."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "registration"

    @extend_schema(request=RegistrationSerializer, responses={201: OrganisationSerializer})
    def post(self, request):
        s = RegistrationSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        org = services.register_enterprise(**s.validated_data)
        return Response(OrganisationSerializer(org).data, status=status.HTTP_201_CREATED)
