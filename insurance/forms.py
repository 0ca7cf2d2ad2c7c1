"""Forms of the insurance pages. They only parse input; the rules and every write live in the services."""

from django import forms
from django.db.models import Q
from django.forms import formset_factory
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation

from .models import Claim, ClaimDocument, RuleSet
from .services.rules import EDITABLE as RULE_EDITABLE
from .workflow import APPLICANT_LABELS

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
ALL = [("", _("全部"))]
RATIO_HELP = _("填写 0 至 1 之间的小数，如 0.02 表示 2%。")


def _date_field(label, required=True):
    return forms.DateField(label=label, required=required, input_formats=["%Y-%m-%d"], **DATE)


# --- rule sets ---------------------------------------------------------------------------------------------------


class RuleSetForm(forms.Form):
    """Every parameter of a rule set (services.rules.EDITABLE); a change writes a new version."""

    def __init__(self, *args, with_year=False, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        if with_year:
            self.fields["year"] = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
        for name, field in fields_for_model(RuleSet, fields=RULE_EDITABLE).items():
            if name in ("window_start", "window_end"):
                field = _date_field(field.label)
            elif name in ("rate_cap", "ratio_international", "ratio_domestic", "ratio_provincial", "yearly_step"):
                field.help_text = RATIO_HELP
            elif name == "note":
                field.widget = forms.Textarea(attrs={"rows": 2})
                field.required = False
            self.fields[name] = field
        if with_year:
            order = ["year", *RULE_EDITABLE]
            self.order_fields(order)

    def values(self):
        """The cleaned parameters as keyword arguments of the rule services."""
        return {name: self.cleaned_data[name] for name in RULE_EDITABLE}

    @staticmethod
    def initial_for(rule_set):
        return {name: getattr(rule_set, name) for name in RULE_EDITABLE} | {"note": ""}

    @staticmethod
    def defaults():
        return {name: RuleSet._meta.get_field(name).default for name in RULE_EDITABLE
                if name not in ("window_start", "window_end", "note")}


# --- policies ----------------------------------------------------------------------------------------------------


def _org_choices(qs):
    return [("", "—")] + [(str(o.pk), o.name) for o in qs.order_by("name")]


class PolicyForm(forms.Form):
    recognition = forms.ChoiceField(label=_("认定产品"))
    insurer = forms.ChoiceField(label=_("保险机构"))
    policy_number = forms.CharField(label=_("保单号"), max_length=60)
    buyer = forms.ChoiceField(label=_("用户单位（已登记）"), required=False)
    buyer_name = forms.CharField(label=_("或：用户单位名称"), max_length=200, required=False)
    buyer_uscc = forms.CharField(label=_("用户单位统一社会信用代码"), max_length=18, required=False,
                                 help_text=_("用户单位未在系统登记时填写名称和统一社会信用代码。"))
    equipment_value = forms.DecimalField(label=_("设备价值（元）"), max_digits=16, decimal_places=2)
    premium = forms.DecimalField(label=_("保费（元）"), max_digits=16, decimal_places=2)
    coverage_limit = forms.DecimalField(label=_("责任限额（元）"), max_digits=16, decimal_places=2)
    starts_on = _date_field(_("保险起期"))
    ends_on = _date_field(_("保险止期"))
    premium_paid_on = _date_field(_("保费全额缴清日期"), required=False)
    renewal_of = forms.ChoiceField(label=_("续保自（原保单）"), required=False)
    national_compensation = forms.BooleanField(label=_("该保单已获国家保险补偿"), required=False)

    def __init__(self, *args, recognitions=None, renewal_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        if recognitions is None:  # editing: the recognition does not change
            del self.fields["recognition"]
        else:
            self.fields["recognition"].choices = [("", "—")] + [
                (str(r.pk), f"{r.product_name}（{r.certificate_number}）") for r in recognitions]
        approved = Organisation.objects.filter(status=Organisation.Status.APPROVED)
        self.fields["insurer"].choices = _org_choices(approved.filter(kind=Organisation.Kind.INSURER))
        self.fields["buyer"].choices = _org_choices(
            approved.filter(kind__in=[Organisation.Kind.BUYER, Organisation.Kind.OTHER]))
        self.fields["renewal_of"].choices = [("", "—")] + [(str(p.pk), p.policy_number) for p in renewal_choices]

    def policy_fields(self):
        d = self.cleaned_data
        return {
            "insurer_id": d["insurer"], "policy_number": d["policy_number"],
            "buyer_id": d["buyer"] or None, "buyer_name": d["buyer_name"], "buyer_uscc": d["buyer_uscc"],
            "equipment_value": d["equipment_value"], "premium": d["premium"], "coverage_limit": d["coverage_limit"],
            "starts_on": d["starts_on"], "ends_on": d["ends_on"], "premium_paid_on": d["premium_paid_on"],
            "renewal_of_id": d["renewal_of"] or None, "national_compensation": d["national_compensation"],
        }

    @staticmethod
    def initial_for(policy):
        return {
            "insurer": str(policy.insurer_id), "policy_number": policy.policy_number, "buyer": str(policy.buyer_id),
            "equipment_value": policy.equipment_value, "premium": policy.premium,
            "coverage_limit": policy.coverage_limit, "starts_on": policy.starts_on, "ends_on": policy.ends_on,
            "premium_paid_on": policy.premium_paid_on,
            "renewal_of": str(policy.renewal_of_id or ""), "national_compensation": policy.national_compensation,
        }


class UnitForm(forms.Form):
    serial_number = forms.CharField(label=_("出厂编号"), max_length=60)
    contract_number = forms.CharField(label=_("销售合同编号"), max_length=60)
    contract_date = _date_field(_("合同签订日期"))
    delivered_on = _date_field(_("交付日期"))
    application_reward = forms.BooleanField(label=_("已获应用奖励"), required=False)


def unit_formset(data=None, *, initial=(), extra=3):
    cls = formset_factory(UnitForm, extra=extra, max_num=500, absolute_max=500, validate_max=True)
    return cls(data, initial=list(initial) or None, prefix="units")


def unit_rows(formset):
    """The filled rows of a valid formset, as the services take them."""
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


class PolicyFilterForm(forms.Form):
    q = forms.CharField(label=_("保单号、产品或企业"), required=False)
    recognition = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def apply(self, qs):
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        if d.get("q"):
            q = d["q"]
            qs = qs.filter(Q(policy_number__icontains=q) | Q(recognition__product_name__icontains=q)
                           | Q(enterprise__name__icontains=q) | Q(recognition__certificate_number__icontains=q))
        if d.get("recognition"):
            qs = qs.filter(recognition_id=d["recognition"])
        return qs.order_by("-starts_on", "-id")

    def refused(self):
        return self.is_bound and not self.is_valid()


# --- claims ------------------------------------------------------------------------------------------------------


class ClaimFilterForm(forms.Form):
    q = forms.CharField(label=_("产品、证书编号、企业或申请编号"), required=False)
    state = forms.ChoiceField(label=_("状态"), required=False)
    year = forms.IntegerField(label=_("认定年度"), required=False, min_value=2000, max_value=2100)
    cover_year = forms.IntegerField(label=_("补偿年度（第几年）"), required=False, min_value=1, max_value=10)
    city = forms.ChoiceField(label=_("设区市"), required=False)
    recognition = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def __init__(self, *args, applicant=False, cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = APPLICANT_LABELS if applicant else dict(Claim.State.choices)
        self.fields["state"].choices = ALL + [(code, labels[code]) for code in Claim.State.values]
        if applicant:
            del self.fields["city"]
        else:
            self.fields["city"].choices = ALL + [(str(r.pk), r.name) for r in cities]

    def apply(self, qs):
        # A refused value leaves its filter out (the form shows the error); the others still apply.
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        if d.get("q"):
            q = d["q"]
            qs = qs.filter(Q(recognition__product_name__icontains=q) | Q(recognition__certificate_number__icontains=q)
                           | Q(enterprise__name__icontains=q) | Q(number__icontains=q))
        for key, lookup in (("state", "state"), ("year", "recognition__year"), ("cover_year", "cover_year"),
                            ("city", "city_id"), ("recognition", "recognition_id")):
            if d.get(key):
                qs = qs.filter(**{lookup: d[key]})
        return qs.order_by("-created_at", "-id")

    def refused(self):
        return self.is_bound and not self.is_valid()


class ClaimForm(forms.Form):
    policies = forms.MultipleChoiceField(label=_("保单"), widget=forms.CheckboxSelectMultiple)
    cover_year = forms.IntegerField(label=_("补偿年度（第几年）"), min_value=1, initial=1,
                                    help_text=_("首年为第 1 年；续保年度依次为第 2、3 年。"))

    def __init__(self, *args, policies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policies"].choices = [
            (str(p.pk), f"{p.policy_number} · {p.insurer.name} · {p.starts_on:%Y-%m-%d}—{p.ends_on:%Y-%m-%d}")
            for p in policies]


class DocumentForm(forms.Form):
    type = forms.ChoiceField(label=_("材料类型"), choices=ClaimDocument.Type.choices)
    file = forms.FileField(label=_("文件（PDF）"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}))


class ReviewForm(forms.Form):
    """The reviewer's note: a local bureau's reason, a department's opinion; the industry department may adjust the
    amount when approving."""

    opinion = forms.CharField(label=_("意见或理由"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("退回修改或不予补偿时必填。"))
    adjusted_amount = forms.DecimalField(label=_("核定金额（元）"), required=False, max_digits=16, decimal_places=2,
                                         help_text=_("留空即按测算金额核定。"))
    adjustment_reason = forms.CharField(label=_("核定金额调整理由"), required=False, max_length=2000,
                                        widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, can_adjust=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_adjust:
            del self.fields["adjusted_amount"]
            del self.fields["adjustment_reason"]
