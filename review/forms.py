"""Forms of the expert-review pages. They only parse input; rules and writes live in review.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.fields import INDUSTRY_FIELDS
from certification.catalogue import Level
from certification.forms import DATETIME_FORMAT, LocalDateTimeInput

from .models import Assignment, Proposal, ReviewRound, ScoreSheet

SMALL = {"class": "form-control form-control-sm"}


def plain(number):
    """A decimal without trailing zeros and never in exponent form: 30.00 → "30", 12.50 → "12.5"."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _blank(choices, label="—"):
    return [("", label)] + list(choices)


class RoundSettingsForm(forms.Form):
    experts_per_application = forms.IntegerField(label=_("每项申报评审专家数"), min_value=3, max_value=9,
                                                 help_text=_("3 至 9 名"))
    aggregation = forms.ChoiceField(label=_("汇总方式"), choices=ReviewRound.Aggregation.choices)
    dispersion_threshold = forms.DecimalField(
        label=_("离散度阈值（标准差）"), min_value=0, max_digits=5, decimal_places=2,
        help_text=_("各评分表总分（百分制）的标准差超过此值时标记为分歧较大"))
    deadline = forms.DateTimeField(label=_("评审截止时间"), widget=LocalDateTimeInput,
                                   input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"])

    FIELDS = ("experts_per_application", "aggregation", "dispersion_threshold", "deadline")

    @classmethod
    def initial_for(cls, review_round):
        return {name: getattr(review_round, name) for name in cls.FIELDS}

    def changes(self):
        """Only what the user changed: an unchanged past deadline must not block changing something else."""
        return {name: self.cleaned_data[name] for name in self.FIELDS if name in self.changed_data}


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("评分项"), max_length=60, required=False,
                           widget=forms.TextInput(attrs=SMALL))
    description = forms.CharField(label=_("评分要点"), max_length=300, required=False,
                                  widget=forms.TextInput(attrs=SMALL))
    max_points = forms.CharField(label=_("满分"), max_length=20, required=False,
                                 widget=forms.TextInput(attrs={**SMALL, "inputmode": "decimal"}))
    weight = forms.CharField(label=_("权重"), max_length=20, required=False,
                             widget=forms.TextInput(attrs={**SMALL, "inputmode": "decimal"}))

    KEYS = ("name", "description", "max_points", "weight")


class PanelForm(forms.Form):
    name = forms.CharField(label=_("评审组名称"), max_length=60, required=False,
                           widget=forms.TextInput(attrs=SMALL))
    fields = forms.MultipleChoiceField(label=_("专业领域"), choices=INDUSTRY_FIELDS, required=False,
                                       widget=forms.SelectMultiple(attrs={"class": "form-select form-select-sm",
                                                                          "size": 5}))

    KEYS = ("name", "fields")


CriterionFormSet = forms.formset_factory(CriterionForm, extra=0, can_delete=True, max_num=20, absolute_max=40)
PanelFormSet = forms.formset_factory(PanelForm, extra=0, can_delete=True, max_num=10, absolute_max=20)


class AssignmentFilterForm(forms.Form):
    q = forms.CharField(label=_("受理编号、产品或企业"), required=False, max_length=60)
    expert = forms.TypedChoiceField(label=_("评审专家"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=_("分配状态"), required=False,
                              choices=_blank(list(Assignment.State.choices) + [("short", _("专家不足"))]))
    application = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, experts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].choices = _blank((e.pk, f"{e}（{e.username}）") for e in experts)


class AddAssignmentForm(forms.Form):
    """Staff pick an eligible expert of the field from the list, or name any expert by user name."""

    expert = forms.TypedChoiceField(label=_("本领域可选专家"), required=False, coerce=int, empty_value=None)
    lookup = forms.CharField(label=_("或输入其他专家的用户名"), required=False, max_length=150)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].choices = _blank(choices, _("请选择"))

    def clean(self):
        data = super().clean()
        if not data.get("expert") and not (data.get("lookup") or "").strip():
            raise forms.ValidationError(_("请选择专家或输入专家用户名。"))
        return data


class RemoveAssignmentForm(forms.Form):
    reason = forms.CharField(label=_("撤换理由"), max_length=300)


class ResultFilterForm(forms.Form):
    panel = forms.TypedChoiceField(label=_("评审组"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=_("受理编号、产品或企业"), required=False, max_length=60)

    def __init__(self, *args, panels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].choices = _blank(((p.pk, p.name) for p in panels), _("全部评审组"))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), max_length=500)


class ProposalForm(forms.Form):
    outcome = forms.ChoiceField(label=_("拟认定结果"), choices=Proposal.Outcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("理由"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class DeclarationForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label=_("利益冲突声明"), widget=forms.RadioSelect, coerce=lambda v: v == "yes",
        choices=[("no", _("与该申报企业无利益冲突")), ("yes", _("与该申报企业存在利益冲突，申请回避"))])
    reason = forms.CharField(label=_("回避理由"), required=False, max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("存在利益冲突时必须填写，例如曾在该企业任职或为其提供咨询。"))


class ScoreSheetForm(forms.Form):
    """One input per criterion (score_<id>), the level vote and the comment. Values are checked by the service,
    which names the criterion in its message."""

    level_vote = forms.ChoiceField(label=_("推荐级别"), choices=ScoreSheet.Vote.choices, required=False,
                                   widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评审意见"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 5}))
    confirmed = forms.BooleanField(label=_("我确认以上评分无误，提交后评分表将锁定，不能再修改"), required=False)

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"score_{c.pk}"] = forms.CharField(
                label=c.name, required=False, max_length=10,
                help_text=_("满分 %(max)s") % {"max": plain(c.max_points)},
                widget=forms.NumberInput(attrs={"min": 0, "max": c.max_points, "step": "0.1",
                                                "class": "form-control"}),
            )

    @classmethod
    def initial_for(cls, sheet):
        initial = {"level_vote": sheet.level_vote, "comment": sheet.comment}
        for key, value in (sheet.scores or {}).items():
            initial[f"score_{key}"] = value
        return initial

    @property
    def score_fields(self):
        return [(c, self[f"score_{c.pk}"]) for c in self.criteria]

    def scores(self):
        return {str(c.pk): self.cleaned_data.get(f"score_{c.pk}", "") for c in self.criteria}


LEVEL_LABELS = dict(Level.choices)
