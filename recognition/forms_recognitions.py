"""Forms of the recognition, certificate and verification pages. They only parse input; rules and writes live in
recognition.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.catalogue import Level

from .models import Recognition


def _blank(choices, label="—"):
    return [("", label)] + list(choices)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class RecognitionFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=60,
                        help_text=_("证书编号、产品名称、企业名称或认定文号（包含即可）"))
    batch = forms.TypedChoiceField(label=_("批次"), required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)
    level = forms.ChoiceField(label=_("认定级别"), required=False, choices=_blank(Level.choices))
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_blank(Recognition.Status.choices))

    def __init__(self, *args, batches=(), years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].choices = _blank((b.pk, b.name) for b in batches)
        self.fields["year"].choices = _blank((y, y) for y in years)

    def apply(self, qs):
        from django.db.models import Q

        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data.get("q"):
            q = data["q"].strip()
            qs = qs.filter(Q(certificate_number__icontains=q) | Q(product_name__icontains=q)
                           | Q(enterprise_name__icontains=q) | Q(decision_number__icontains=q))
        if data.get("batch"):
            qs = qs.filter(batch_id=data["batch"])
        if data.get("year"):
            qs = qs.filter(year=data["year"])
        if data.get("level"):
            qs = qs.filter(level=data["level"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        return qs


class RecogniseForm(forms.Form):
    item_ids = forms.MultipleChoiceField(label=_("认定项目"), widget=forms.CheckboxSelectMultiple,
                                         error_messages={"required": _("请选择要认定的项目。")})
    decision_number = forms.CharField(label=_("认定文号"), max_length=60,
                                      help_text=_("如：浙经信装备〔2026〕12号"),
                                      error_messages={"required": _("请填写认定文号。")})
    decision_date = forms.DateField(label=_("认定日期"), widget=DateInput(),
                                    help_text=_("有效期自认定日期起三年（至三年后同日的前一天）"),
                                    error_messages={"required": _("请填写认定日期。"),
                                                    "invalid": _("认定日期格式应为 YYYY-MM-DD。")})

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_ids"].choices = [(str(i.pk), str(i.pk)) for i in items]


class ReissueForm(forms.Form):
    reason = forms.CharField(label=_("换发原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请填写换发原因。")})
    enterprise_name = forms.CharField(label=_("企业名称"), max_length=200)
    enterprise_uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    product_name = forms.CharField(label=_("产品名称"), max_length=120)
    model_spec = forms.CharField(label=_("型号规格"), max_length=120)

    CORRECTABLE = ("enterprise_name", "enterprise_uscc", "product_name", "model_spec")

    def __init__(self, *args, **kwargs):
        # Shown on one page with RevokeForm, which has a "reason" field too: distinct ids keep each label on its field.
        kwargs.setdefault("auto_id", "id_reissue_%s")
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, recognition):
        return {name: getattr(recognition, name) for name in cls.CORRECTABLE}

    def corrections(self):
        return {name: self.cleaned_data[name] for name in self.CORRECTABLE if name in self.changed_data}


class RevokeForm(forms.Form):
    document_number = forms.CharField(label=_("撤销文号"), max_length=60,
                                      error_messages={"required": _("请填写撤销文号。")})
    reason = forms.CharField(label=_("撤销理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请填写撤销理由。")})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_revoke_%s")  # see ReissueForm
        super().__init__(*args, **kwargs)


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("证书编号"), max_length=40, help_text=_("如：ZJ-2026-D-0007"),
                             error_messages={"required": _("请输入证书编号。")})


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label=_("证书 PDF 文件"), help_text=_("只计算文件的 SHA-256 指纹并与签发记录比对，文件不会保存。"),
                           error_messages={"required": _("请选择证书 PDF 文件。")})
