"""Forms of the notice and objection pages. They only parse input; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.catalogue import Level
from certification.forms import DATETIME_FORMAT, LocalDateTimeInput

from .models import MIN_NOTICE_WORKING_DAYS, Notice, Objection
from .services.notices import MAX_WORKING_DAYS
from .services.objections import EVIDENCE_MAX_MB


def _blank(choices, label="—"):
    return [("", label)] + list(choices)


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("公示标题"), max_length=150)
    body = forms.CharField(label=_("公示说明"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    contact = forms.CharField(label=_("异议受理方式"), widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("受理单位、联系人、电话、地址等，公示页面和 PDF 中原样显示"))
    starts_at = forms.DateTimeField(label=_("公示开始时间"), widget=LocalDateTimeInput,
                                    input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"])
    working_days = forms.IntegerField(
        label=_("公示期（工作日）"), min_value=MIN_NOTICE_WORKING_DAYS, max_value=MAX_WORKING_DAYS,
        initial=MIN_NOTICE_WORKING_DAYS,
        help_text=_("按法定节假日和调休安排计算：开始当天是工作日的计为第1个工作日，公示至最后一个工作日24时结束"))

    FIELDS = ("title", "body", "contact", "starts_at", "working_days")

    @classmethod
    def initial_for(cls, notice):
        return {name: getattr(notice, name) for name in cls.FIELDS}

    def changes(self, notice):
        return {k: v for k, v in self.cleaned_data.items() if getattr(notice, k) != v}


class ObjectionForm(forms.Form):
    item = forms.TypedChoiceField(label=_("异议项目"), coerce=int)
    name = forms.CharField(label=_("异议人姓名"), max_length=60)
    organisation = forms.CharField(label=_("异议人单位"), max_length=120, required=False,
                                   help_text=_("以单位名义提出的请填写；个人可不填"))
    phone = forms.CharField(label=_("联系电话"), max_length=30,
                            help_text=_("手机号码或固定电话（区号-号码），查询处理结果时需要"))
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False,
                            help_text=_("选填；填写后处理结果将发送到该邮箱"))
    content = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("请写明异议的事实和理由"))
    evidence = forms.FileField(label=_("证明材料"), required=False,
                               help_text=_("选填；PDF、JPG 或 PNG，不超过 %(n)s MB") % {"n": EVIDENCE_MAX_MB},
                               widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = _blank(
            [(i.pk, f"{i.position}. {i.application.enterprise.name} · {i.application.product_name}") for i in items],
            _("请选择"))


class StatusLookupForm(forms.Form):
    tracking_number = forms.CharField(label=_("受理编号"), max_length=30, help_text=_("如 YY2026-ABCDEFGH"))
    phone = forms.CharField(label=_("联系电话"), max_length=30, help_text=_("提出异议时填写的联系电话"))


class ResolveForm(forms.Form):
    DECISIONS = [("uphold", _("异议成立")), ("dismiss", _("异议不成立"))]

    decision = forms.ChoiceField(label=_("处理结论"), choices=DECISIONS, widget=forms.RadioSelect)
    action = forms.ChoiceField(label=_("处理措施（异议成立时）"), required=False,
                               choices=_blank(Objection.Action.choices))
    new_level = forms.ChoiceField(label=_("调整后级别（调整认定级别时）"), required=False,
                                  choices=_blank(Level.choices))
    reply = forms.CharField(label=_("处理意见（答复异议人）"), widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=_("异议人可凭受理编号查询；填写了邮箱的，将通过邮件发送"))


class ObjectionFilterForm(forms.Form):
    notice = forms.TypedChoiceField(label=_("公示"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=_blank(Objection.State.choices, _("全部")))
    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("受理编号、异议人、企业或产品")}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notice"].choices = _blank(
            Notice.objects.exclude(state=Notice.State.DRAFT).values_list("pk", "title")[:200], _("全部"))
