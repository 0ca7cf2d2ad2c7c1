"""Forms of the 政府首购 pages. They only parse input; the rules and every write live in the services."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from certification.forms import DATETIME_FORMAT, LocalDateTimeInput

from .models import MIN_NOTICE_WORKING_DAYS, MONEY, Contract, NoticeExpert, Purchase, PurchaseDocument

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), "input_formats": ["%Y-%m-%d"]}
MAX_WORKING_DAYS = 30
MAX_EXPERTS = 30
MONEY_FIELD = {"max_digits": MONEY["max_digits"], "decimal_places": MONEY["decimal_places"]}


def _date_field(label, required=True, help_text=""):
    return forms.DateField(label=label, required=required, help_text=help_text, **DATE)


def _money_field(label, help_text=""):
    return forms.DecimalField(label=label, help_text=help_text, **MONEY_FIELD)


def _text(label, rows=3, required=True, help_text="", max_length=None):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


# --- the buyer's pages -------------------------------------------------------------------------------------------


class RecognitionSearchForm(forms.Form):
    q = forms.CharField(
        label=_("证书编号或产品名称"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如 ZJSTT-2026-GN-001 或 产品名称关键词")}),
    )


class PurchaseForm(forms.Form):
    """The purchase's own fields (the recognition is chosen before, and fixed once created)."""

    FIELDS = ("title", "method", "method_details", "quantity", "unit", "budget", "description")

    buyer = forms.ChoiceField(label=_("采购人"))
    title = forms.CharField(label=_("采购项目名称"), max_length=150)
    method = forms.ChoiceField(
        label=_("采购方式"),
        choices=Purchase.Method.choices,
        initial=Purchase.Method.SINGLE_SOURCE,
        help_text=_("单一来源采购且预算达到公开招标数额标准的，须先发布单一来源公示（不少于5个工作日）"),
    )
    method_details = forms.CharField(
        label=_("采购方式说明"), max_length=60, required=False, help_text=_("采购方式为“其他方式”时必填，如竞争性谈判")
    )
    quantity = forms.IntegerField(label=_("采购数量"), min_value=1, initial=1)
    unit = forms.CharField(label=_("计量单位"), max_length=10, initial="台")
    budget = _money_field(_("预算金额（元）"))
    description = _text(_("采购需求说明"), rows=4, required=False)

    def __init__(self, *args, buyers=(), **kwargs):
        super().__init__(*args, **kwargs)
        buyers = list(buyers)
        if len(buyers) > 1:
            self.fields["buyer"].choices = [("", "—")] + [(str(o.pk), o.name) for o in buyers]
        else:  # one buyer organisation (or editing): nothing to choose
            del self.fields["buyer"]

    def values(self):
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    def buyer_id(self):
        return int(self.cleaned_data["buyer"]) if self.cleaned_data.get("buyer") else None

    @classmethod
    def initial_for(cls, purchase):
        return {name: getattr(purchase, name) for name in cls.FIELDS}

    def changes(self, purchase):
        return {k: v for k, v in self.values().items() if getattr(purchase, k) != v}


class NoticeForm(forms.Form):
    """单一来源公示: the reason, the experts' justification, how objections are received and the period."""

    FIELDS = ("reason", "justification", "contact", "starts_at", "working_days")

    reason = _text(_("采用单一来源方式的理由"), rows=4)
    justification = _text(_("专业人员论证意见"), rows=5)
    contact = _text(_("异议受理方式"), rows=3, help_text=_("联系人、电话、地址等，公示页面原样显示"))
    starts_at = forms.DateTimeField(
        label=_("公示开始时间"),
        required=False,
        widget=LocalDateTimeInput,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        help_text=_("留空则自发布时起公示；不能早于发布时间"),
    )
    working_days = forms.IntegerField(
        label=_("公示期（工作日）"),
        min_value=MIN_NOTICE_WORKING_DAYS,
        max_value=MAX_WORKING_DAYS,
        initial=MIN_NOTICE_WORKING_DAYS,
        help_text=_("不少于5个工作日，按法定节假日和调休安排计算，公示至最后一个工作日24时结束"),
    )

    def values(self):
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    @classmethod
    def initial_for(cls, notice):
        return {name: getattr(notice, name) for name in cls.FIELDS}


class ExpertForm(forms.Form):
    name = forms.CharField(label=NoticeExpert._meta.get_field("name").verbose_name, max_length=60, required=False)
    employer = forms.CharField(
        label=NoticeExpert._meta.get_field("employer").verbose_name, max_length=120, required=False
    )
    title = forms.CharField(label=NoticeExpert._meta.get_field("title").verbose_name, max_length=60, required=False)


def expert_formset(data=None, *, initial=(), extra=3):
    cls = formset_factory(ExpertForm, extra=extra, max_num=MAX_EXPERTS, absolute_max=MAX_EXPERTS, validate_max=True)
    return cls(data, initial=list(initial) or None, prefix="experts")


def expert_rows(formset):
    """The rows with anything typed in (a half-filled row goes to the service, which names what is missing)."""
    rows = []
    for form in formset.forms:
        d = getattr(form, "cleaned_data", None) or {}
        row = {k: (d.get(k) or "").strip() for k in ("name", "employer", "title")}
        if any(row.values()):
            rows.append(row)
    return rows


class CancelForm(forms.Form):
    reason = _text(_("终止理由"), rows=2, max_length=2000)


class JustifyForm(forms.Form):
    objection_ids = forms.TypedMultipleChoiceField(
        label=_("答复的异议"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    text = _text(_("补充论证意见"), rows=6, help_text=_("公开显示在公示页面；填写了邮箱的异议人将收到邮件"))
    experts = _text(_("参与补充论证的专业人员"), rows=2, required=False, help_text=_("姓名、工作单位、职称"))

    def __init__(self, *args, objections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objection_ids"].choices = [
            (o.pk, f"{o.tracking_number} · {o.created_at:%Y-%m-%d} · {o.content[:60]}") for o in objections
        ]


class AwardForm(forms.Form):
    awarded_on = _date_field(_("成交日期"), help_text=_("认定须在成交日期有效"))
    amount = _money_field(_("成交金额（元）"))


class ContractForm(forms.Form):
    number = forms.CharField(label=Contract._meta.get_field("number").verbose_name, max_length=60)
    amount = _money_field(_("合同金额（元）"))
    signed_on = _date_field(_("签订日期"), help_text=_("应在成交之日起30日内签订，超过的将标注"))
    delivered_on = _date_field(_("交付日期"), required=False)
    accepted_on = _date_field(_("验收日期"), required=False)


class DeliveryForm(forms.Form):
    delivered_on = _date_field(_("交付日期"), required=False)
    accepted_on = _date_field(_("验收日期"), required=False, help_text=_("验收后项目办结"))


class DocumentForm(forms.Form):
    type = forms.ChoiceField(label=_("材料类型"), choices=PurchaseDocument.Type.choices)
    file = forms.FileField(label=_("文件（PDF）"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}))


# --- the public pages --------------------------------------------------------------------------------------------


class PublicSearchForm(forms.Form):
    q = forms.CharField(label=_("项目编号、项目名称、产品、采购人或供应商"), max_length=60, required=False)


class ObjectionForm(forms.Form):
    name = forms.CharField(label=_("异议人姓名"), max_length=60)
    organisation = forms.CharField(
        label=_("异议人单位"), max_length=120, required=False, help_text=_("以单位名义提出的请填写；个人可不填")
    )
    phone = forms.CharField(
        label=_("联系电话"), max_length=30, help_text=_("手机号码或固定电话（区号-号码），查询处理结果时需要")
    )
    email = forms.EmailField(
        label=_("电子邮箱"), max_length=254, required=False, help_text=_("选填；填写后补充论证意见将发送到该邮箱")
    )
    content = _text(_("异议内容"), rows=6, max_length=5000, help_text=_("请写明异议的事实和理由"))


class StatusLookupForm(forms.Form):
    tracking_number = forms.CharField(label=_("受理编号"), max_length=30, help_text=_("如 SY2026-ABCDEFGH"))
    phone = forms.CharField(label=_("联系电话"), max_length=30, help_text=_("提出异议时填写的联系电话"))
