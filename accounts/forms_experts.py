"""Forms of the expert pool pages; the services validate again and have the last word."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .fields import INDUSTRY_FIELDS
from .forms import RegionChoiceField
from .models import SENIOR_TITLES, Organisation, Region


class EmployerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.uscc}）"


class ExpertForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=60)
    username = forms.RegexField(label=_("登录用户名"), max_length=150, regex=r"^[\w.@+-]+$",
                                error_messages={"invalid": _("用户名只能包含字母、数字和 @/./+/-/_。")})
    email = forms.EmailField(label=_("邮箱"), help_text=_("用于设置登录密码和接收评审通知"))
    phone = forms.CharField(label=_("手机"), max_length=20)
    title = forms.ChoiceField(label=_("职称"), choices=[("", "---------")] + [(t, t) for t in SENIOR_TITLES],
                              help_text=_("须为高级职称及以上"))
    fields = forms.MultipleChoiceField(label=_("专业领域"), choices=INDUSTRY_FIELDS,
                                       widget=forms.CheckboxSelectMultiple)
    employer = EmployerChoiceField(label=_("工作单位"), required=False, queryset=Organisation.objects.none(),
                                   help_text=_("从已登记的高校、科研院所等单位中选择；不在列表中请在下方填写"))
    employer_name = forms.CharField(label=_("新工作单位名称"), max_length=120, required=False)
    employer_uscc = forms.CharField(label=_("新工作单位统一社会信用代码"), max_length=30, required=False,
                                    help_text=_("已登记的代码将直接使用该单位"))
    region = RegionChoiceField(label=_("所在地区"), required=False, queryset=Region.objects.none())
    note = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = Q(pk=profile.employer_id) if profile else Q(pk__in=[])
        self.fields["employer"].queryset = Organisation.objects.filter(
            Q(kind=Organisation.Kind.OTHER, status=Organisation.Status.APPROVED) | current
        ).order_by("name")
        self.fields["region"].queryset = Region.objects.exclude(level=Region.Level.PROVINCE).select_related(
            "parent").order_by("sort_order", "code")
        if profile is not None:
            # The username is the login and appears in the audit trail: it does not change.
            del self.fields["username"]

    @staticmethod
    def initial_for(profile):
        user = profile.user
        return {"display_name": user.display_name, "email": user.email, "phone": user.phone, "title": profile.title,
                "fields": profile.fields, "employer": profile.employer_id, "region": profile.region_id,
                "note": profile.note}


class ExpertFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名、用户名或单位"), required=False)
    field = forms.ChoiceField(label=_("专业领域"), required=False, choices=[("", _("全部"))] + INDUSTRY_FIELDS)
    active = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部")), ("1", _("在库")), ("0", _("已停用"))])
    city = forms.ModelChoiceField(label=_("所在设区市"), required=False, empty_label=_("全部"),
                                  queryset=Region.objects.filter(level=Region.Level.CITY).order_by("sort_order"))


class SetActiveForm(forms.Form):
    reason = forms.CharField(label=_("理由"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
