"""Serializers of the 资金拨付 API: payouts (the list row, the detail with its working, steps, overdue working,
recovery and budget position), the actions' requests, reward rules, budgets with their positions, recoveries with
their repayments, and the dashboard's totals (for the schema)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Membership
from accounts.roles import roles_of

from .. import workflow
from ..models import Budget, Kind, Payout, Recovery, Repayment, RewardRule

MONEY = dict(max_digits=16, decimal_places=2)
ID = dict(min_value=1, max_value=2**63 - 1)
R = Membership.Role


def is_staff_viewer(user):
    """Bureau staff (province, city, county) and superusers see who took each step; an enterprise sees the steps
    without the officials' names."""
    roles = roles_of(user)
    return bool(user.is_superuser or roles.is_province or roles.bureau_regions)


def days_overdue(payout, today):
    if payout.state == Payout.State.ALLOCATED and payout.due_on and payout.due_on < today:
        return (today - payout.due_on).days
    return None


# --- payouts ---------------------------------------------------------------------------------------------------


class PayoutSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    city_name = serializers.CharField(source="city.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    certificate_number = serializers.CharField(source="recognition.certificate_number", read_only=True)
    product_name = serializers.CharField(source="recognition.product_name", read_only=True)
    claim_number = serializers.CharField(source="claim.number", read_only=True, allow_null=True, default=None)
    has_bank_account = serializers.SerializerMethodField(help_text=_("已填写收款账户（开户银行和银行账号）"))
    days_overdue = serializers.SerializerMethodField(
        help_text=_("已下达且超过应拨付日期未拨付企业的天数（今日 − 应拨付日期）；未逾期为 null")
    )
    actions = serializers.SerializerMethodField(help_text=_("当前用户现在可以执行的操作代码"))

    class Meta:
        model = Payout
        fields = [
            "id",
            "number",
            "kind",
            "kind_label",
            "year",
            "enterprise",
            "enterprise_name",
            "enterprise_uscc",
            "city",
            "city_name",
            "region",
            "region_name",
            "recognition",
            "certificate_number",
            "product_name",
            "level",
            "level_label",
            "claim",
            "claim_number",
            "amount",
            "state",
            "state_label",
            "allocated_on",
            "due_on",
            "disbursed_on",
            "has_bank_account",
            "days_overdue",
            "created_at",
            "actions",
        ]
        read_only_fields = fields

    def get_has_bank_account(self, obj) -> bool:
        return bool(obj.bank_name.strip() and obj.bank_account.strip())

    def get_days_overdue(self, obj) -> int | None:
        return days_overdue(obj, self.context["today"])

    def get_actions(self, obj) -> list[str]:
        return [a.code for a in workflow.available_actions(obj, self.context["request"].user)]


class PayoutStepSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()
    at = serializers.CharField(allow_null=True, help_text=_("日期或时间（北京时间）"))
    by = serializers.CharField(allow_null=True, help_text=_("经办人（仅向政府部门显示）"))
    detail = serializers.CharField(allow_blank=True)


class OverdueSerializer(serializers.Serializer):
    due_on = serializers.DateField()
    days_overdue = serializers.IntegerField()
    working = serializers.CharField(help_text=_("逾期的计算过程"))


class BudgetPositionSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    amount = serializers.DecimalField(allow_null=True, help_text=_("预算金额；未设预算为 null"), **MONEY)
    committed = serializers.DecimalField(help_text=_("已占用：经信审核同意后各状态的拨付金额"), **MONEY)
    disbursed = serializers.DecimalField(**MONEY)
    remaining = serializers.DecimalField(allow_null=True, **MONEY)


class RepaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Repayment
        fields = ["id", "amount", "paid_on", "reference", "recorded_at"]
        read_only_fields = fields


class RecoverySerializer(serializers.ModelSerializer):
    payout_number = serializers.CharField(source="payout.number", read_only=True)
    enterprise_name = serializers.CharField(source="payout.enterprise_name", read_only=True)
    city_name = serializers.CharField(source="payout.city.name", read_only=True)
    certificate_number = serializers.CharField(source="payout.recognition.certificate_number", read_only=True)
    debtor_label = serializers.CharField(source="get_debtor_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    outstanding = serializers.SerializerMethodField(help_text=_("待追回金额（元）"))
    can_repay = serializers.SerializerMethodField(help_text=_("当前用户可以登记退回"))

    class Meta:
        model = Recovery
        fields = [
            "id",
            "payout",
            "payout_number",
            "enterprise_name",
            "city_name",
            "certificate_number",
            "debtor",
            "debtor_label",
            "amount",
            "repaid_amount",
            "outstanding",
            "state",
            "state_label",
            "reason",
            "revocation_document",
            "created_at",
            "closed_at",
            "can_repay",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_outstanding(self, obj):
        return f"{obj.amount - obj.repaid_amount:.2f}"

    def get_can_repay(self, obj) -> bool:
        from ..services.recoveries import can_repay

        return obj.state == Recovery.State.OPEN and can_repay(self.context["request"].user, obj)


class RecoveryDetailSerializer(RecoverySerializer):
    repayments = RepaymentSerializer(many=True, read_only=True)

    class Meta(RecoverySerializer.Meta):
        fields = [*RecoverySerializer.Meta.fields, "repayments"]
        read_only_fields = fields


def _at(value):
    if value is None:
        return None
    if hasattr(value, "hour"):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


class PayoutDetailSerializer(PayoutSerializer):
    working = serializers.JSONField(read_only=True, help_text=_("金额的计算过程（提出拨付时按当时的规则）"))
    steps = serializers.SerializerMethodField(help_text=_("拨付流程各环节"))
    overdue = serializers.SerializerMethodField(help_text=_("逾期未拨付企业时的计算过程；未逾期为 null"))
    recovery = serializers.SerializerMethodField(help_text=_("撤销认定后的资金追回；无则为 null"))
    budget = serializers.SerializerMethodField(help_text=_("该年度该类别预算的执行情况（仅向省级部门显示）"))

    class Meta(PayoutSerializer.Meta):
        fields = [
            *PayoutSerializer.Meta.fields,
            "bank_name",
            "bank_account",
            "allocation_document",
            "bank_reference",
            "rejected_reason",
            "industry_approved_at",
            "finance_approved_at",
            "rejected_at",
            "updated_at",
            "working",
            "steps",
            "overdue",
            "recovery",
            "budget",
        ]
        read_only_fields = fields

    @extend_schema_field(PayoutStepSerializer(many=True))
    def get_steps(self, p):
        staff = is_staff_viewer(self.context["request"].user)

        def by(user):
            return (user.display_name or user.username) if staff and user is not None else None

        S = Payout.State
        reached = {
            S.PROPOSED: 0,
            S.INDUSTRY_APPROVED: 1,
            S.FINANCE_APPROVED: 2,
            S.ALLOCATED: 3,
            S.DISBURSED: 4,
        }
        if p.state == S.REJECTED:
            # The steps done before the rejection are those with a date.
            done = [
                True,
                p.industry_approved_at is not None,
                p.finance_approved_at is not None,
                p.allocated_on is not None,
                False,
            ]
        else:
            n = reached.get(p.state, 0)
            done = [i <= n for i in range(5)]
        steps = [
            dict(
                code="proposed",
                label=str(_("提出拨付")),
                done=done[0],
                at=_at(p.created_at),
                by=None,
                detail=str(_("金额 %(a)s 元")) % {"a": f"{p.amount:,.2f}"},
            ),
            dict(
                code="industry_approved",
                label=str(_("经信部门审核")),
                done=done[1],
                at=_at(p.industry_approved_at),
                by=by(p.industry_approved_by),
                detail="",
            ),
            dict(
                code="finance_approved",
                label=str(_("财政部门审核")),
                done=done[2],
                at=_at(p.finance_approved_at),
                by=by(p.finance_approved_by),
                detail="",
            ),
            dict(
                code="allocated",
                label=str(_("资金下达市县")),
                done=done[3],
                at=_at(p.allocated_on),
                by=by(p.allocated_by),
                detail=(
                    str(_("文号 %(d)s；应于 %(due)s 前拨付企业"))
                    % {"d": p.allocation_document or "—", "due": _at(p.due_on)}
                )
                if p.allocated_on
                else "",
            ),
            dict(
                code="disbursed",
                label=str(_("拨付企业")),
                done=done[4],
                at=_at(p.disbursed_on),
                by=by(p.disbursed_by),
                detail=(str(_("银行流水号 %(r)s")) % {"r": p.bank_reference}) if p.disbursed_on else "",
            ),
        ]
        if p.state == S.REJECTED:
            steps.append(
                dict(
                    code="rejected",
                    label=str(_("不予拨付")),
                    done=True,
                    at=_at(p.rejected_at),
                    by=by(p.rejected_by),
                    detail=p.rejected_reason,
                )
            )
        return steps

    @extend_schema_field(OverdueSerializer(allow_null=True))
    def get_overdue(self, p):
        from ..services.approvals import overdue

        found = overdue(p, today=self.context["today"])
        if not found:
            return None
        return {"due_on": found["due_on"], "days_overdue": found["days_overdue"], "working": str(found["working"])}

    @extend_schema_field(RecoveryDetailSerializer(allow_null=True))
    def get_recovery(self, p):
        recovery = getattr(p, "recovery", None)
        if recovery is None:
            return None
        return RecoveryDetailSerializer(recovery, context=self.context).data

    @extend_schema_field(BudgetPositionSerializer(allow_null=True))
    def get_budget(self, p):
        user = self.context["request"].user
        if not (user.is_superuser or roles_of(user).is_province):
            return None
        from ..services.budgets import budget_position

        return BudgetPositionSerializer({"year": p.year, "kind": p.kind, **budget_position(p.year, p.kind)}).data


class ApproveSerializer(serializers.Serializer):
    """No fields: the approval takes the payout as it is (the budget is checked under its lock)."""


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, label=_("不予拨付理由"))


class AllocateSerializer(serializers.Serializer):
    payout_ids = serializers.ListField(
        child=serializers.IntegerField(**ID),
        min_length=1,
        max_length=500,
        label=_("拨付"),
        help_text=_("财政部门已审核的拨付 id；可一次下达多笔"),
    )
    allocated_on = serializers.DateField(label=_("资金下达日期"), help_text=_("不晚于今日；应拨付企业日期为其后30日"))
    document = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default="", label=_("资金下达文号")
    )


class DisburseSerializer(serializers.Serializer):
    disbursed_on = serializers.DateField(label=_("拨付企业日期"), help_text=_("不早于资金下达日期，不晚于今日"))
    bank_reference = serializers.CharField(max_length=60, label=_("银行流水号"))


class BankAccountSerializer(serializers.Serializer):
    bank_name = serializers.CharField(max_length=120, label=_("开户银行"))
    bank_account = serializers.CharField(max_length=40, label=_("银行账号"))


class RepaymentWriteSerializer(serializers.Serializer):
    amount = serializers.DecimalField(label=_("退回金额（元）"), **MONEY)
    paid_on = serializers.DateField(label=_("退回日期"))
    reference = serializers.CharField(max_length=60, label=_("银行流水号或缴款书号"))


# --- reward rules ----------------------------------------------------------------------------------------------


class RewardRuleSerializer(serializers.ModelSerializer):
    batch_name = serializers.CharField(source="batch.name", read_only=True)
    batch_year = serializers.IntegerField(source="batch.year", read_only=True)
    list_guided = serializers.SerializerMethodField(help_text=_("清单引导、标准认定的产品（认定 id）"))
    excluded_cities = serializers.SerializerMethodField(help_text=_("执行本地政策、不予省级奖励的设区市"))
    updated_by_name = serializers.SerializerMethodField()
    payout_count = serializers.IntegerField(read_only=True, help_text=_("按本规则提出的拨付笔数"))

    class Meta:
        model = RewardRule
        fields = [
            "id",
            "batch",
            "batch_name",
            "batch_year",
            "budget_year",
            "amount_international",
            "amount_domestic",
            "amount_provincial",
            "exclude_components",
            "list_guided",
            "excluded_cities",
            "note",
            "updated_by_name",
            "updated_at",
            "payout_count",
        ]
        read_only_fields = fields

    def get_list_guided(self, obj) -> list[int]:
        return sorted(r.pk for r in obj.list_guided.all())

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_excluded_cities(self, obj):
        return [{"id": r.pk, "name": r.name} for r in sorted(obj.excluded_cities.all(), key=lambda r: r.code)]

    def get_updated_by_name(self, obj) -> str:
        return obj.updated_by.display_name or obj.updated_by.username


class RewardRuleWriteSerializer(serializers.Serializer):
    amount_international = serializers.DecimalField(label=_("国际首台（套）奖励（元）"), **MONEY)
    amount_domestic = serializers.DecimalField(label=_("国内首台（套）奖励（元）"), **MONEY)
    amount_provincial = serializers.DecimalField(label=_("省内首台（套）奖励（元）"), **MONEY)
    exclude_components = serializers.BooleanField(required=False, default=True, label=_("零部件类产品不予奖励"))
    list_guided_ids = serializers.ListField(
        child=serializers.IntegerField(**ID),
        required=False,
        default=list,
        max_length=1000,
        label=_("清单引导、标准认定的产品"),
        help_text=_("本批次认定的 id"),
    )
    excluded_city_ids = serializers.ListField(
        child=serializers.IntegerField(**ID),
        required=False,
        allow_null=True,
        default=None,
        max_length=20,
        label=_("执行本地政策的地区"),
        help_text=_("设区市 id；省略时新建规则默认宁波市，修改时保持不变"),
    )
    budget_year = serializers.IntegerField(
        min_value=2000,
        max_value=2100,
        required=False,
        allow_null=True,
        default=None,
        label=_("列支年度"),
        help_text=_("省略时为批次年度的次年"),
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="", label=_("说明"))


class SkippedSerializer(serializers.Serializer):
    recognition = serializers.IntegerField()
    certificate_number = serializers.CharField()
    enterprise_name = serializers.CharField()
    reason = serializers.CharField()


class ProposeResultSerializer(serializers.Serializer):
    created = PayoutSerializer(many=True)
    skipped = SkippedSerializer(many=True, help_text=_("规则不予奖励的认定及理由"))
    existing = serializers.IntegerField(help_text=_("此前已提出、本次未重复提出的笔数"))


# --- budgets ---------------------------------------------------------------------------------------------------


class BudgetSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    committed = serializers.DecimalField(read_only=True, help_text=_("已占用：经信审核同意后各状态的拨付金额"), **MONEY)
    disbursed = serializers.DecimalField(read_only=True, help_text=_("已拨付企业的金额"), **MONEY)
    remaining = serializers.SerializerMethodField(help_text=_("剩余 = 预算 − 已占用"))
    updated_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Budget
        fields = [
            "id",
            "year",
            "kind",
            "kind_label",
            "amount",
            "committed",
            "disbursed",
            "remaining",
            "note",
            "updated_by_name",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_remaining(self, obj):
        return f"{obj.amount - obj.committed:.2f}"

    def get_updated_by_name(self, obj) -> str:
        return obj.updated_by.display_name or obj.updated_by.username


class BudgetWriteSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, label=_("年度"))
    kind = serializers.ChoiceField(choices=Kind.choices, label=_("资金类别"))
    amount = serializers.DecimalField(min_value=0, label=_("预算金额（元）"), **MONEY)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="", label=_("说明"))


class BudgetChangeSerializer(serializers.Serializer):
    amount = serializers.DecimalField(min_value=0, label=_("预算金额（元）"), **MONEY)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="", label=_("说明"))


# --- the dashboard (for the schema; payouts.dashboard.totals_data builds the data) --------------------------------


class GroupCellSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class TotalsRowSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("资金类别、认定级别或设区市 id；合计为 total，其他为 other"))
    label = serializers.CharField()
    groups = serializers.DictField(
        child=GroupCellSerializer(), help_text="proposed, approved, allocated, disbursed, rejected"
    )
    count = serializers.IntegerField(help_text=_("合计笔数（不含不予拨付）"))
    amount = serializers.DecimalField(help_text=_("合计金额（不含不予拨付）"), **MONEY)


class TotalsYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    rows = TotalsRowSerializer(many=True)
    total = TotalsRowSerializer()


class OverdueLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.CharField()
    enterprise_name = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    allocated_on = serializers.DateField()
    due_on = serializers.DateField()
    days_overdue = serializers.IntegerField()
    allocation_document = serializers.CharField()


class DashboardBudgetSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    kind_label = serializers.CharField()
    amount = serializers.DecimalField(allow_null=True, **MONEY)
    committed = serializers.DecimalField(**MONEY)
    disbursed = serializers.DecimalField(**MONEY)
    remaining = serializers.DecimalField(allow_null=True, **MONEY)


class DashboardRecoverySerializer(serializers.Serializer):
    debtor = serializers.CharField(help_text="enterprise, city, total")
    label = serializers.CharField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)
    repaid = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)


class DashboardSerializer(serializers.Serializer):
    scope = serializers.DictField(help_text=_("统计范围：text、lines 及各项口径"))
    overall = TotalsRowSerializer()
    years = TotalsYearSerializer(many=True)
    by_kind = TotalsRowSerializer(many=True)
    by_level = TotalsRowSerializer(many=True, help_text=_("首台（套）奖励按认定级别"))
    by_city = TotalsRowSerializer(many=True)
    overdue = OverdueLineSerializer(many=True)
    overdue_amount = serializers.DecimalField(**MONEY)
    budgets = DashboardBudgetSerializer(many=True, help_text=_("仅向省级部门显示"))
    recoveries = DashboardRecoverySerializer(many=True)
