"""Forms of the recognition pages. They only parse input; rules and writes live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.fields import INDUSTRY_FIELDS
from accounts.models import Region

from .catalogue import AttachmentType, Category, EquipmentForm, Level
from .models import Application, State
from .services.applications import INDICATOR_KEYS, IP_KEYS
from .workflow import APPLICANT_HIDDEN_STATES, FORMAL_CHECKLIST, applicant_state_filter

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _blank(choices):
    return [("", "—")] + list(choices)


class LocalDateTimeInput(forms.DateTimeInput):
    """A browser date-time picker; the value is read in Asia/Shanghai (the active time zone)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class BatchForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("批次名称"), max_length=120)
    categories = forms.MultipleChoiceField(label=_("受理类别"), choices=Category.choices,
                                           widget=forms.CheckboxSelectMultiple)
    equipment_forms = forms.MultipleChoiceField(label=_("装备形式"), choices=EquipmentForm.choices, required=False,
                                                widget=forms.CheckboxSelectMultiple)
    opens_at = forms.DateTimeField(label=_("开始申报时间"), widget=LocalDateTimeInput,
                                   input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"])
    closes_at = forms.DateTimeField(label=_("截止申报时间"), widget=LocalDateTimeInput,
                                    input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"])
    recommend_deadline = forms.DateTimeField(label=_("地方推荐截止时间"), widget=LocalDateTimeInput,
                                             input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"])
    notes = forms.CharField(label=_("申报说明"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    # After publication only these may change (services.batches.update_batch says the same).
    EDITABLE_WHEN_OPEN = ("notes", "closes_at", "recommend_deadline")

    def __init__(self, *args, batch=None, quotas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cities = list(Region.objects.filter(level=Region.Level.CITY).order_by("sort_order", "code"))
        quotas = quotas or {}
        for city in self.cities:
            self.fields[f"quota_{city.pk}"] = forms.IntegerField(
                label=city.name, min_value=0, initial=quotas.get(city.pk, 0),
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "min": 0}),
            )
        if batch is not None and batch.state != "draft":
            for name in ("year", "name", "categories", "equipment_forms", "opens_at"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    @property
    def quota_fields(self):
        return [self[f"quota_{city.pk}"] for city in self.cities]

    @property
    def main_fields(self):
        return [self[name] for name in self.fields if not name.startswith("quota_")]

    def batch_fields(self, batch=None):
        d = self.cleaned_data
        names = ["year", "name", "categories", "equipment_forms", "opens_at", "closes_at", "recommend_deadline",
                 "notes"]
        if batch is not None and batch.state != "draft":
            names = list(self.EDITABLE_WHEN_OPEN)
        return {n: d[n] for n in names}

    def quotas(self):
        return {city.pk: self.cleaned_data[f"quota_{city.pk}"] for city in self.cities}


class ApplicationForm(forms.Form):
    """Every field of the application; none required here, since drafts save half-filled (submission checks)."""

    product_name = forms.CharField(label=_("产品名称"), max_length=120, required=False)
    model_spec = forms.CharField(label=_("型号规格"), max_length=120, required=False)
    category = forms.ChoiceField(label=_("产品类别"), choices=_blank(Category.choices), required=False)
    equipment_form = forms.ChoiceField(label=_("装备形式"), choices=_blank(EquipmentForm.choices), required=False,
                                       help_text=_("仅装备类填写"))
    declared_level = forms.ChoiceField(label=_("申报级别"), choices=_blank(Level.choices), required=False)
    field = forms.ChoiceField(label=_("所属领域"), choices=_blank(INDUSTRY_FIELDS), required=False)
    innovation_points = forms.CharField(label=_("创新点"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    first_sale_contract = forms.CharField(label=_("首台销售合同编号"), max_length=60, required=False)
    first_sale_date = forms.DateField(label=_("首台销售日期"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    first_sale_price = forms.DecimalField(label=_("首台销售价格（元）"), max_digits=14, decimal_places=2, min_value=0,
                                          required=False)
    first_sale_buyer = forms.CharField(label=_("首台用户单位"), max_length=120, required=False)
    commitment = forms.BooleanField(label=_("本单位已阅读并同意以上承诺"), required=False)

    BASIC = ["product_name", "model_spec", "category", "equipment_form", "declared_level", "field"]
    SALE = ["first_sale_contract", "first_sale_date", "first_sale_price", "first_sale_buyer"]

    def __init__(self, *args, batch=None, **kwargs):
        super().__init__(*args, **kwargs)
        if batch is not None:
            self.fields["category"].choices = _blank((c, label) for c, label in Category.choices if c in batch.categories)
            self.fields["equipment_form"].choices = _blank(
                (c, label) for c, label in EquipmentForm.choices if c in batch.equipment_forms
            )
        # Table rows arrive as parallel lists (one input name per column, one value per row).
        self.indicators = self._rows(INDICATOR_KEYS, "ind_")
        self.ip_items = self._rows(IP_KEYS, "ip_")

    def _rows(self, keys, prefix):
        if not self.is_bound:
            return None
        columns = [self.data.getlist(prefix + k) for k in keys]
        count = max((len(c) for c in columns), default=0)
        rows = []
        for i in range(count):
            row = {k: (col[i] if i < len(col) else "").strip() for k, col in zip(keys, columns, strict=True)}
            if any(row.values()):
                rows.append(row)
        return rows

    @classmethod
    def initial_for(cls, app):
        initial = {name: getattr(app, name) for name in cls.BASIC + cls.SALE + ["innovation_points"]}
        initial["commitment"] = app.commitment_confirmed_at is not None
        return initial

    def draft_fields(self):
        """The keyword arguments of create_application / update_draft (commitment apart)."""
        d = self.cleaned_data
        fields = {name: d[name] for name in self.BASIC + self.SALE + ["innovation_points"]}
        for name in ("category", "equipment_form", "declared_level", "field", "first_sale_contract",
                     "first_sale_buyer", "product_name", "model_spec", "innovation_points"):
            fields[name] = fields[name] or ""
        fields["indicators"] = self.indicators or []
        fields["ip_items"] = self.ip_items or []
        return fields

    def commitment_change(self, app):
        """True / False when the confirmation changes, None when it stays (keeps the first confirmation time)."""
        checked = bool(self.cleaned_data.get("commitment"))
        confirmed = app is not None and app.commitment_confirmed_at is not None
        if checked == confirmed:
            return None
        return checked


class AttachmentForm(forms.Form):
    type = forms.ChoiceField(label=_("附件类型"), choices=AttachmentType.choices)
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        if application is not None and application.category:
            rules = application.batch.attachment_requirements.get(application.category, {})
            if rules:
                self.fields["type"].choices = [(c, label) for c, label in AttachmentType.choices if c in rules]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    """A bureau's decision: the pressed button names the action."""

    action = forms.CharField(widget=forms.HiddenInput, required=False)
    opinion = forms.CharField(label=_("审核意见"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("退回补正、不予推荐或不通过时必须填写。"))
    items = forms.CharField(label=_("需补正的事项"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("退回补正时填写，每行一项。"))
    checklist = forms.MultipleChoiceField(label=_("形式审查清单"), required=False,
                                          choices=list(FORMAL_CHECKLIST),
                                          widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, formal=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not formal:
            del self.fields["checklist"]
        self.formal = formal

    def clean(self):
        data = super().clean()
        action = self.data.get("action", "")
        if action.endswith("_return") and not self.fix_items():
            self.add_error("items", _("请列出需要补正的事项，每行一项。"))
        return data

    def fix_items(self):
        return [line.strip() for line in (self.data.get("items") or "").splitlines() if line.strip()]

    def decision_items(self):
        """What is stored in Decision.items: the lines to fix, then (formal review) the checklist as ✓/✗ lines."""
        items = self.fix_items()
        if self.formal:
            checked = set(self.cleaned_data.get("checklist") or [])
            items += [f"{'✓' if key in checked else '✗'} {label}" for key, label in FORMAL_CHECKLIST]
        return items


SORTS = {
    "-submitted": ("-submitted_at", "-id"),
    "submitted": ("submitted_at", "id"),
    "number": ("number", "id"),
    "product": ("product_name", "id"),
    "enterprise": ("enterprise__name", "id"),
    "-updated": ("-updated_at", "-id"),
}


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(label=_("产品或企业名称"), required=False)
    batch = forms.ChoiceField(label=_("批次"), required=False)
    state = forms.ChoiceField(label=_("状态"), required=False)
    city = forms.ChoiceField(label=_("设区市"), required=False)
    county = forms.ChoiceField(label=_("县（市、区）"), required=False)
    category = forms.ChoiceField(label=_("产品类别"), required=False,
                                 choices=[("", _("全部"))] + list(Category.choices))
    level = forms.ChoiceField(label=_("申报级别"), required=False, choices=[("", _("全部"))] + list(Level.choices))
    field = forms.ChoiceField(label=_("所属领域"), required=False, choices=[("", _("全部"))] + list(INDUSTRY_FIELDS))
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=[
        ("", _("默认排序")), ("-submitted", _("提交时间（新→旧）")), ("submitted", _("提交时间（旧→新）")), ("number", _("受理编号")),
        ("product", _("产品名称")), ("enterprise", _("企业名称")), ("-updated", _("最近更新")),
    ])

    def __init__(self, *args, batches=(), state_labels=None, cities=(), counties=(), applicant=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.applicant = applicant
        self.fields["batch"].choices = [("", _("全部"))] + [(str(b.pk), b.name) for b in batches]
        labels = state_labels or dict(State.choices)
        # An applicant cannot filter on the proposal's outcome (workflow.applicant_state).
        codes = [code for code in State.values if not (applicant and code in APPLICANT_HIDDEN_STATES)]
        self.fields["state"].choices = [("", _("全部"))] + [(code, labels[code]) for code in codes]
        self.fields["city"].choices = [("", _("全部"))] + [(str(r.pk), r.name) for r in cities]
        self.fields["county"].choices = [("", _("全部"))] + [(str(r.pk), r.full_name) for r in counties]

    def apply(self, qs, default_sort="-submitted"):
        # A bad value in one filter leaves that filter out (the form shows its error); the valid ones still
        # apply, so a stale link never widens a list or an export to the user's whole scope.
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})  # an unbound form (no filters) has none
        d = {name: cleaned.get(name) for name in self.fields}
        if d["q"]:
            from django.db.models import Q

            qs = qs.filter(Q(product_name__icontains=d["q"]) | Q(enterprise__name__icontains=d["q"]))
        if d["state"] and self.applicant:
            qs = qs.filter(state__in=applicant_state_filter(d["state"]))
            d["state"] = None
        for key, lookup in (("batch", "batch_id"), ("state", "state"), ("city", "city_id"), ("county", "region_id"),
                            ("category", "category"), ("level", "declared_level"), ("field", "field")):
            if d[key]:
                qs = qs.filter(**{lookup: d[key]})
        return qs.order_by(*SORTS[d["sort"] or default_sort])

    def refused(self):
        """Whether a filter value was refused: lists and exports answer 400 rather than show something else."""
        return self.is_bound and not self.is_valid()


# The application model's labels, for error lists that name their field.
FIELD_LABELS = {f.name: f.verbose_name for f in Application._meta.fields}
FIELD_LABELS.update({"commitment": _("承诺书"), "attachments": _("附件"), "batch": _("批次")})
