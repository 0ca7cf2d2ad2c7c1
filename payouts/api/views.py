"""资金拨付 through the API (/api/v1/payouts/).

payouts/: scoped by payouts.queries.payouts_visible_to — the enterprise its own payouts, a city bureau those of
its city, a county bureau those of its county, province-level bureaus all of them; anything else answers 404
(existence does not leak). Filters: payouts.filters.PayoutFilter (q, kind, state, year, city, level, overdue).
Each payout lists the actions the user may take now (payouts.workflow.available_actions); the actions are the
services of payouts.services.approvals, which check the table again under the row lock: a user who sees the
payout but does not hold the step's role gets 403, a refused value 400 naming the field, a payout out of scope
404.

reward-rules/ and budgets/: province business — province-level staff read them (403 for anyone else); province
industry staff set a batch's reward rule (PUT reward-rules/<batch_id>/) and propose its rewards; province finance
staff set the budgets. recoveries/: scoped like the payouts; repayments are recorded by province finance or the
city's finance staff. dashboard/: payouts.dashboard.totals with the scope stated (staff of a bureau; 403 for an
enterprise). The Excel exports: payouts/export.xlsx (the list's filters), bank-list.xlsx?city=<id> (the bank's
payment list of one city: its bureaus and province finance), dashboard/export.xlsx.
"""

from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.roles import roles_of
from certification.models import Batch
from certification.queries import is_id

from .. import workflow
from ..dashboard import DashboardYearForm, can_view_dashboard, totals, totals_data
from ..exports import XLSX, bank_payment_list, dashboard_workbook, payouts_workbook
from ..filters import AsciiNumberFilter, PayoutFilter
from ..models import Budget, Kind, Payout, Recovery, RewardRule
from ..queries import payouts_visible_to, recoveries_visible_to
from .serializers import (
    AllocateSerializer,
    BankAccountSerializer,
    BudgetChangeSerializer,
    BudgetSerializer,
    BudgetWriteSerializer,
    DashboardSerializer,
    DisburseSerializer,
    PayoutDetailSerializer,
    PayoutSerializer,
    ProposeResultSerializer,
    RecoveryDetailSerializer,
    RecoverySerializer,
    RejectSerializer,
    RepaymentWriteSerializer,
    RewardRuleSerializer,
    RewardRuleWriteSerializer,
)

S = Payout.State
ID_REGEX = "[0-9]{1,18}"
ZERO_MONEY = Value(0, output_field=DecimalField(max_digits=18, decimal_places=2))


def _approvals():
    from ..services import approvals

    return approvals


def _xlsx(content, ascii_name, name):
    response = HttpResponse(content, content_type=XLSX)
    name = f"{name}{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _context(view):
    return {**view.get_serializer_context(), "today": timezone.localdate()}


class ProvinceStaff(permissions.BasePermission):
    """Reward rules and budgets are province business: province-level staff (any department) read them."""

    message = _("只有省级部门工作人员可以查看奖励规则和年度预算。")

    def has_permission(self, request, view):
        user = request.user
        return bool(user.is_superuser or roles_of(user).is_province)


class DashboardStaff(permissions.BasePermission):
    message = _("只有省级部门和市县经信、财政部门工作人员可以查看资金拨付统计。")

    def has_permission(self, request, view):
        return can_view_dashboard(request.user)


# --- payouts -----------------------------------------------------------------------------------------------------


def list_queryset(qs):
    return qs.defer("working").order_by("-created_at", "-id")


def detail_queryset(qs):
    return qs.select_related(
        "industry_approved_by", "finance_approved_by", "allocated_by", "disbursed_by", "rejected_by", "recovery"
    ).prefetch_related("recovery__repayments")


@extend_schema_view(
    list=extend_schema(
        summary="拨付列表（企业：本企业；市县经信、财政部门：本地区；省级部门：全部）",
    ),
    retrieve=extend_schema(
        summary="拨付详情：来源、金额及计算过程、各环节、逾期计算、追回、预算执行（省级部门）、可执行操作"
    ),
)
class PayoutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PayoutSerializer
    filterset_class = PayoutFilter
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payout.objects.none()
        return payouts_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return PayoutSerializer
        return PayoutDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["today"] = timezone.localdate()
        return context

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(list_queryset(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(
            PayoutSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    def _detail(self, pk):
        payout = detail_queryset(self.get_queryset()).filter(pk=pk).first() if is_id(pk) else None
        if payout is None:
            raise Http404
        return Response(PayoutDetailSerializer(payout, context=self.get_serializer_context()).data)

    def _visible(self):
        """The payout if the user can see it; 404 otherwise (existence does not leak)."""
        pk = self.kwargs["pk"]
        payout = self.get_queryset().filter(pk=pk).first() if is_id(pk) else None
        if payout is None:
            raise Http404
        return payout

    def retrieve(self, request, pk=None):
        return self._detail(pk)

    @extend_schema(
        summary="经信审核同意（省经信厅，拟拨付时）：不超过该年度该类别的剩余预算",
        request=None,
        responses=PayoutDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="approve-industry", url_name="approve-industry")
    def approve_industry(self, request, pk=None):
        payout = _approvals().approve_industry(actor=request.user, payout_id=self._visible().pk)
        return self._detail(payout.pk)

    @extend_schema(
        summary="财政审核同意（省财政厅，经信部门已审核时）：再次核对预算",
        request=None,
        responses=PayoutDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="approve-finance", url_name="approve-finance")
    def approve_finance(self, request, pk=None):
        payout = _approvals().approve_finance(actor=request.user, payout_id=self._visible().pk)
        return self._detail(payout.pk)

    @extend_schema(
        summary="不予拨付（拟拨付时由省经信厅，经信部门已审核时由省财政厅），须填写理由",
        request=RejectSerializer,
        responses=PayoutDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        payout = self._visible()
        # The step is the state's: industry's at proposed, finance's at industry_approved. The other department
        # (and anyone else who sees the payout) is refused the step (403) whatever it sends.
        code = {S.PROPOSED: "reject_industry", S.INDUSTRY_APPROVED: "reject_finance"}.get(payout.state)
        if code is None:
            if not (workflow.is_province_industry(request.user) or workflow.is_province_finance(request.user)):
                raise PermissionDenied(_("您无权对该笔资金执行“不予拨付”。"))
        elif not workflow.acts_as(request.user, payout, workflow.ACTIONS[code].role):
            raise PermissionDenied(_("您无权对该笔资金执行“%(action)s”。") % {"action": workflow.ACTIONS[code].label})
        s = RejectSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        _approvals().reject(actor=request.user, payout_id=payout.pk, reason=s.validated_data["reason"])
        return self._detail(payout.pk)

    @extend_schema(
        summary="下达资金（省财政厅）：同一设区市财政部门已审核的拨付，可一次多笔；应拨付企业日期为下达后30日",
        request=AllocateSerializer,
        responses=PayoutSerializer(many=True),
    )
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def allocate(self, request):
        if not workflow.is_province_finance(request.user):
            raise PermissionDenied(_("只有省财政厅工作人员可以下达资金。"))
        s = AllocateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        payouts = _approvals().allocate(
            actor=request.user, payout_ids=d["payout_ids"], allocated_on=d["allocated_on"], document=d["document"]
        )
        rows = list_queryset(self.get_queryset().filter(pk__in=[p.pk for p in payouts]))
        return Response(PayoutSerializer(rows, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="登记拨付企业（本市、县经信或财政部门，已下达时）：拨付日期和银行流水号；已拨付的不能重复拨付",
        request=DisburseSerializer,
        responses=PayoutDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def disburse(self, request, pk=None):
        payout = self._visible()
        s = DisburseSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        _approvals().disburse(actor=request.user, payout_id=payout.pk, **s.validated_data)
        return self._detail(payout.pk)

    @extend_schema(
        summary="填写收款账户（企业，拨付企业前）：开户银行和银行账号",
        request=BankAccountSerializer,
        responses=PayoutDetailSerializer,
    )
    @action(detail=True, methods=["post", "put"], url_path="bank-account", url_name="bank-account")
    def bank_account(self, request, pk=None):
        payout = self._visible()
        s = BankAccountSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        _approvals().set_bank_account(actor=request.user, payout_id=payout.pk, **s.validated_data)
        return self._detail(payout.pk)


LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="拨付编号、企业名称、统一社会信用代码、产品名称或证书编号（包含即可）"),
    OpenApiParameter("kind", str, enum=Kind.values, description="资金类别"),
    OpenApiParameter("state", str, enum=S.values, description="状态"),
    OpenApiParameter("year", int, description="预算年度"),
    OpenApiParameter("city", int, description="设区市（行政区划 id）"),
    OpenApiParameter("level", str, enum=["international", "domestic", "provincial"], description="认定级别"),
    OpenApiParameter("overdue", bool, description="逾期未拨付企业（已下达且超过应拨付日期）"),
]


class PayoutExportView(GenericAPIView):
    """The payouts in the user's scope as an Excel workbook, with the list's filters (a refused filter: 400)."""

    filter_backends = []
    pagination_class = None
    serializer_class = None

    @extend_schema(
        operation_id="payouts_export_xlsx",
        summary="导出拨付清单（Excel）",
        parameters=LIST_PARAMETERS,
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request):
        f = PayoutFilter(request.query_params, queryset=payouts_visible_to(request.user), request=request)
        if not f.is_valid():
            raise ValidationError(f.errors)
        return _xlsx(payouts_workbook(f.qs.order_by("-created_at", "-id")), "payouts.xlsx", _("拨付清单"))


class BankListView(GenericAPIView):
    """The bank's payment list of one city (payouts.exports.bank_payment_list)."""

    filter_backends = []
    pagination_class = None
    serializer_class = None

    @extend_schema(
        operation_id="payouts_bank_list_xlsx",
        summary="导出银行付款清单（Excel）：已下达某设区市、尚未拨付企业的拨付（本市经信、财政部门和省财政厅）",
        parameters=[OpenApiParameter("city", int, required=True, description="设区市（行政区划 id）")],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request):
        name, content = bank_payment_list(user=request.user, city_id=request.query_params.get("city"))
        return _xlsx(content, "bank-payment-list.xlsx", name)


# --- reward rules ------------------------------------------------------------------------------------------------


def _rules():
    return (
        RewardRule.objects.select_related("batch", "updated_by")
        .prefetch_related("list_guided", "excluded_cities")
        .annotate(payout_count=Count("payouts", distinct=True))
        .order_by("-budget_year", "-id")
    )


class RewardRuleFilter(filters.FilterSet):
    budget_year = AsciiNumberFilter(field_name="budget_year", min_value=2000, max_value=2100, label="列支年度")
    batch_year = AsciiNumberFilter(field_name="batch__year", min_value=2000, max_value=2100, label="批次年度")

    class Meta:
        model = RewardRule
        fields = ["budget_year", "batch_year"]


@extend_schema_view(
    list=extend_schema(summary="奖励规则（各认定批次；省级部门）"),
    retrieve=extend_schema(summary="一个认定批次的奖励规则（省级部门）"),
)
class RewardRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RewardRuleSerializer
    filterset_class = RewardRuleFilter
    permission_classes = [permissions.IsAuthenticated, ProvinceStaff]
    lookup_field = "batch_id"
    lookup_value_regex = ID_REGEX
    http_method_names = ["get", "put", "post", "head", "options"]

    def get_queryset(self):
        return _rules()

    def get_serializer_class(self):
        if self.action == "update":
            return RewardRuleWriteSerializer
        return RewardRuleSerializer

    def _batch_id(self):
        batch_id = self.kwargs["batch_id"]
        if not is_id(batch_id) or not Batch.objects.filter(pk=batch_id).exists():
            raise Http404
        return int(batch_id)

    @extend_schema(
        summary="设置认定批次的奖励规则（省经信厅）：各级别金额、零部件、清单引导产品、执行本地政策的地区、列支年度",
        request=RewardRuleWriteSerializer,
        responses={200: RewardRuleSerializer, 201: RewardRuleSerializer},
        description="没有规则时新建（201），已有时修改（200）；已提出的拨付保留提出时的金额和计算过程。",
    )
    def update(self, request, batch_id=None):
        batch_id = self._batch_id()
        existed = RewardRule.objects.filter(batch_id=batch_id).exists()
        s = RewardRuleWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        from ..services.rules import save_reward_rule

        rule = save_reward_rule(actor=request.user, batch_id=batch_id, **s.validated_data)
        return Response(
            RewardRuleSerializer(_rules().get(pk=rule.pk)).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="按奖励规则提出该批次的奖励拨付（省经信厅）：每个符合规则的有效认定一笔，重复执行不重复提出",
        request=None,
        responses=ProposeResultSerializer,
    )
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def propose(self, request, batch_id=None):
        batch_id = self._batch_id()
        from ..services.proposals import propose_rewards

        result = propose_rewards(actor=request.user, batch_id=batch_id)
        created = list_queryset(payouts_visible_to(request.user).filter(pk__in=[p.pk for p in result["created"]]))
        return Response(
            {
                "created": PayoutSerializer(created, many=True, context=_context(self)).data,
                "skipped": [
                    {
                        "recognition": rec.pk,
                        "certificate_number": rec.certificate_number,
                        "enterprise_name": rec.enterprise_name,
                        "reason": str(reason),
                    }
                    for rec, reason in result["skipped"]
                ],
                "existing": result["existing"],
            }
        )


# --- budgets -----------------------------------------------------------------------------------------------------


def _budgets():
    def payout_sum(condition):
        sums = (
            Payout.objects.filter(condition, year=OuterRef("year"), kind=OuterRef("kind"))
            .order_by()
            .values("year", "kind")
            .annotate(s=Sum("amount"))
            .values("s")
        )
        return Coalesce(Subquery(sums, output_field=DecimalField(max_digits=18, decimal_places=2)), ZERO_MONEY)

    return (
        Budget.objects.select_related("updated_by")
        .annotate(
            committed=payout_sum(Q(state__in=Payout.COMMITTED)),
            disbursed=payout_sum(Q(state=S.DISBURSED)),
        )
        .order_by("-year", "kind")
    )


class BudgetFilter(filters.FilterSet):
    year = AsciiNumberFilter(field_name="year", min_value=2000, max_value=2100, label="年度")
    kind = filters.ChoiceFilter(choices=Kind.choices, label="资金类别")

    class Meta:
        model = Budget
        fields = ["year", "kind"]


@extend_schema_view(
    list=extend_schema(summary="年度预算及执行情况（省级部门）：预算、已占用、已拨付企业、剩余"),
    retrieve=extend_schema(summary="一个年度预算及执行情况（省级部门）"),
)
class BudgetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BudgetSerializer
    filterset_class = BudgetFilter
    permission_classes = [permissions.IsAuthenticated, ProvinceStaff]
    lookup_value_regex = ID_REGEX
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return _budgets()

    def get_serializer_class(self):
        if self.action == "create":
            return BudgetWriteSerializer
        if self.action in ("update", "partial_update"):
            return BudgetChangeSerializer
        return BudgetSerializer

    def _fresh(self, pk, status_code=status.HTTP_200_OK):
        return Response(BudgetSerializer(_budgets().get(pk=pk)).data, status=status_code)

    @extend_schema(
        summary="设置年度预算（省财政厅）：该年度该类别已有预算时修改",
        request=BudgetWriteSerializer,
        responses={201: BudgetSerializer, 200: BudgetSerializer},
        description="不能低于已审核占用的金额（amount）。新建时 201，已有时修改并返回 200。",
    )
    def create(self, request):
        s = BudgetWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        existed = Budget.objects.filter(year=d["year"], kind=d["kind"]).exists()
        from ..services.budgets import save_budget

        budget = save_budget(actor=request.user, **d)
        return self._fresh(budget.pk, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改年度预算金额（省财政厅）：不能低于已审核占用的金额",
        request=BudgetChangeSerializer,
        responses=BudgetSerializer,
    )
    def update(self, request, pk=None, partial=False):
        budget = self.get_object()
        s = BudgetChangeSerializer(data=request.data, partial=partial)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        from ..services.budgets import save_budget

        save_budget(
            actor=request.user,
            year=budget.year,
            kind=budget.kind,
            amount=d.get("amount", budget.amount),
            note=d.get("note", budget.note),
        )
        return self._fresh(budget.pk)

    @extend_schema(
        summary="修改年度预算金额或说明（省财政厅）：只提交要修改的字段",
        request=BudgetChangeSerializer,
        responses=BudgetSerializer,
    )
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


# --- recoveries --------------------------------------------------------------------------------------------------


class RecoveryFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=Recovery.State.choices, label="状态")
    debtor = filters.ChoiceFilter(choices=Recovery.Debtor.choices, label="退回方")
    year = AsciiNumberFilter(field_name="payout__year", min_value=2000, max_value=2100, label="预算年度")
    city = AsciiNumberFilter(field_name="payout__city_id", min_value=1, max_value=2**63 - 1, label="设区市 id")

    class Meta:
        model = Recovery
        fields = ["state", "debtor", "year", "city"]


@extend_schema_view(
    list=extend_schema(summary="资金追回（撤销认定后已拨付、已下达的资金；范围同拨付）"),
    retrieve=extend_schema(summary="资金追回详情及退回记录"),
)
class RecoveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RecoverySerializer
    filterset_class = RecoveryFilter
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Recovery.objects.none()
        return recoveries_visible_to(self.request.user).order_by("state", "-created_at", "-id")

    def get_serializer_class(self):
        if self.action == "list":
            return RecoverySerializer
        if self.action == "repayments":
            return RepaymentWriteSerializer
        return RecoveryDetailSerializer

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        recovery = self.get_queryset().prefetch_related("repayments").filter(pk=pk).first() if is_id(pk) else None
        if recovery is None:
            raise Http404
        return Response(
            RecoveryDetailSerializer(recovery, context=self.get_serializer_context()).data, status=status_code
        )

    def retrieve(self, request, pk=None):
        return self._detail(pk)

    @extend_schema(
        summary="登记退回（省财政厅或本市财政部门）：金额、日期、流水号；退回金额合计达到应追回金额即追回完毕",
        request=RepaymentWriteSerializer,
        responses={201: RecoveryDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def repayments(self, request, pk=None):
        if not is_id(pk) or not self.get_queryset().filter(pk=pk).exists():
            raise Http404
        s = RepaymentWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        from ..services.recoveries import record_repayment

        record_repayment(actor=request.user, recovery_id=int(pk), **s.validated_data)
        return self._detail(pk, status.HTTP_201_CREATED)


# --- the dashboard -----------------------------------------------------------------------------------------------

YEAR_PARAMETER = [OpenApiParameter("year", int, description="预算年度；为空时统计全部年度")]


def _totals(request):
    form = DashboardYearForm(request.query_params)
    if not form.is_valid():
        raise ValidationError(form.errors)
    return totals(user=request.user, year=form.cleaned_data["year"])


class DashboardView(GenericAPIView):
    """The dashboard's totals with the scope stated (payouts/dashboard.py has the definitions)."""

    permission_classes = [permissions.IsAuthenticated, DashboardStaff]
    filter_backends = []
    pagination_class = None
    serializer_class = None

    @extend_schema(
        operation_id="payouts_dashboard",
        summary="资金拨付统计：按年度和资金类别、认定级别、设区市、状态分组的笔数和金额，逾期、预算执行、待追回",
        parameters=YEAR_PARAMETER,
        responses=DashboardSerializer,
    )
    def get(self, request):
        return Response(totals_data(_totals(request)))


class DashboardExportView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, DashboardStaff]
    filter_backends = []
    pagination_class = None
    serializer_class = None

    @extend_schema(
        operation_id="payouts_dashboard_export_xlsx",
        summary="导出资金拨付统计（Excel）",
        parameters=YEAR_PARAMETER,
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request):
        t = _totals(request)
        suffix = f"-{t.year}" if t.year else ""
        return _xlsx(dashboard_workbook(t), "payout-dashboard.xlsx", _("资金拨付统计") + suffix + "-")
