from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organisation, Region
from .queries import regions_for_select


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=120)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30,
                           help_text=_("18位，营业执照上的代码"))
    region = RegionChoiceField(label=_("所在县（市、区）"), queryset=Region.objects.none())
    contact_name = forms.CharField(label=_("联系人"), max_length=60)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30)
    email = forms.EmailField(label=_("邮箱"), help_text=_("用于验证和接收通知"))
    username = forms.RegexField(label=_("登录用户名"), max_length=150, regex=r"^[\w.@+-]+$",
                                error_messages={"invalid": _("用户名只能包含字母、数字和 @/./+/-/_。")})
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, min_length=10)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_for_select()

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结论"), choices=[("approve", _("通过")), ("reject", _("退回"))],
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=500)


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或代码"), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部"))] + list(Organisation.Kind.choices))
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部"))] + list(Organisation.Status.choices))
