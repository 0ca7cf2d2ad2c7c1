"""Forms of the 资金拨付 pages. They only parse input; the rules and every write live in the services."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import MONEY, Budget, Kind, Recovery, Repayment, RewardRule

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), "input_formats": ["%Y-%m-%d"]}
MONEY_FIELD = {"max_digits": MONEY["max_digits"], "decimal_places": MONEY["decimal_places"]}
CENT = Decimal("0.01")
YEAR = {"min_value": 2000, "max_value": 2100}


def _date_field(label, required=True, help_text=""):
    return forms.DateField(label=label, required=required, help_text=help_text, **DATE)


def _money_field(label, help_text="", required=True):
    return forms.DecimalField(label=label, help_text=help_text, required=required, min_value=0, **MONEY_FIELD)


def _label(model, name):
    return model._meta.get_field(name).verbose_name


# --- the approval chain ------------------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    """不予拨付: the reason is required (the service says so too)."""

    reason = forms.CharField(
        label=_("不予拨付理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不予拨付时必填，企业可见。"),
    )


class AllocateForm(forms.Form):
    """下达资金: finance-approved payouts of one city, with the allocation date and document."""

    payouts = forms.TypedMultipleChoiceField(label=_("下达的拨付"), coerce=int, widget=forms.CheckboxSelectMultiple)
    allocated_on = _date_field(_("资金下达日期"), help_text=_("市县应自下达之日起30日内拨付企业。"))
    document = forms.CharField(
        label=_("资金下达文号"), max_length=60, required=False, help_text=_("如 浙财企〔2026〕12号")
    )

    def __init__(self, *args, payouts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payouts"].choices = [
            (p.pk, f"{p.number} · {p.enterprise_name} · {p.get_kind_display()} · {p.amount:,.2f}") for p in payouts
        ]


class DisburseForm(forms.Form):
    disbursed_on = _date_field(_("拨付企业日期"), help_text=_("不早于资金下达日期，不晚于今天。"))
    bank_reference = forms.CharField(label=_("银行流水号"), max_length=60)


class BankAccountForm(forms.Form):
    bank_name = forms.CharField(
        label=_("开户银行"), max_length=120, help_text=_("写到支行，如 中国工商银行杭州高新支行")
    )
    bank_account = forms.CharField(label=_("银行账号"), max_length=40)


# --- reward rules and budgets --------------------------------------------------------------------------------------


class RewardRuleForm(forms.Form):
    """A batch's reward rule: the amount per level, the exclusions and the budget year."""

    amount_international = _money_field(_label(RewardRule, "amount_international"))
    amount_domestic = _money_field(_label(RewardRule, "amount_domestic"))
    amount_provincial = _money_field(_label(RewardRule, "amount_provincial"))
    exclude_components = forms.BooleanField(label=_label(RewardRule, "exclude_components"), required=False)
    list_guided = forms.TypedMultipleChoiceField(
        label=_label(RewardRule, "list_guided"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("按重点指标清单引导、依标准认定的产品不予奖励。"),
    )
    excluded_cities = forms.TypedMultipleChoiceField(
        label=_label(RewardRule, "excluded_cities"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("执行本地奖励政策的地区（如宁波市）不列入省级奖励。"),
    )
    budget_year = forms.IntegerField(
        label=_label(RewardRule, "budget_year"), help_text=_("奖励从次年省级资金中列支。"), **YEAR
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, recognitions=(), cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list_guided"].choices = [
            (r.pk, f"{r.certificate_number} · {r.product_name} · {r.enterprise_name}") for r in recognitions
        ]
        self.fields["excluded_cities"].choices = [(pk, name) for pk, name in cities]

    def values(self):
        """The cleaned values as keyword arguments of rules.save_reward_rule."""
        d = self.cleaned_data
        return {
            "amount_international": d["amount_international"],
            "amount_domestic": d["amount_domestic"],
            "amount_provincial": d["amount_provincial"],
            "exclude_components": d["exclude_components"],
            "list_guided_ids": list(d["list_guided"]),
            "excluded_city_ids": list(d["excluded_cities"]),
            "budget_year": d["budget_year"],
            "note": d["note"],
        }

    @staticmethod
    def initial_for(rule):
        return {
            "amount_international": rule.amount_international,
            "amount_domestic": rule.amount_domestic,
            "amount_provincial": rule.amount_provincial,
            "exclude_components": rule.exclude_components,
            "list_guided": [r.pk for r in rule.list_guided.all()],
            "excluded_cities": [c.pk for c in rule.excluded_cities.all()],
            "budget_year": rule.budget_year,
            "note": rule.note,
        }

    @staticmethod
    def defaults(batch, ningbo_id=None):
        """A new rule: the model's default amounts, components excluded, 宁波 excluded, paid the next year."""
        return {
            # Two decimals, like every amount shown (the model's defaults are whole yuan: "2000000").
            **{
                name: RewardRule._meta.get_field(name).default.quantize(CENT)
                for name in ("amount_international", "amount_domestic", "amount_provincial")
            },
            "exclude_components": True,
            "list_guided": [],
            "excluded_cities": [ningbo_id] if ningbo_id else [],
            "budget_year": batch.year + 1,
        }


class BudgetForm(forms.Form):
    year = forms.IntegerField(label=_label(Budget, "year"), **YEAR)
    kind = forms.ChoiceField(label=_label(Budget, "kind"), choices=Kind.choices)
    amount = _money_field(
        _label(Budget, "amount"), help_text=_("不能低于该年度该类别已审核（含已下达、已拨付）的金额。")
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


# --- recoveries ----------------------------------------------------------------------------------------------------


class RecoveryFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_label(Recovery, "state"), required=False, choices=[("", _("全部")), *Recovery.State.choices]
    )
    debtor = forms.ChoiceField(
        label=_label(Recovery, "debtor"), required=False, choices=[("", _("全部")), *Recovery.Debtor.choices]
    )

    def apply(self, qs):
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        for key in ("state", "debtor"):
            if d.get(key):
                qs = qs.filter(**{key: d[key]})
        return qs


class RepaymentForm(forms.Form):
    amount = forms.DecimalField(label=_label(Repayment, "amount"), min_value=0, **MONEY_FIELD)
    paid_on = _date_field(_label(Repayment, "paid_on"))
    reference = forms.CharField(label=_label(Repayment, "reference"), max_length=60)
