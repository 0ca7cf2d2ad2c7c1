"""采购人单位 pages: the buyer organisations with their member counts (province industry staff: all of them, with a
search; a buyer organisation's admin: their own), a new buyer organisation (province industry staff), and one
organisation's members with their account status and the invitation of a new user (province industry staff, or an
admin member of that organisation), and the invitation sent again to a member who has not set a password.

The writes are procurement.services.buyers.create_buyer and invite_buyer_user; their refusals show next to the
field they name and nothing is written. An organisation outside the viewer's scope answers 404; a member who is
not its admin 403."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Membership, Region
from accounts.roles import roles_of

from ._common import PAGE_SIZE, apply_errors

R = Membership.Role


def is_province_industry(user):
    """Province industry-bureau staff (省经信厅) and superusers: they register buyer organisations."""
    return bool(
        getattr(user, "is_authenticated", False) and (user.is_superuser or roles_of(user).has(R.PROVINCE_STAFF))
    )


def admin_buyer_ids(user):
    """The buyer organisations the user administers."""
    return {m.organisation_id for m in roles_of(user).memberships if m.role == R.BUYER and m.is_admin}


def _services():
    from ..services import buyers

    return buyers


def region_choices():
    """The cities, each followed by its counties, as one select's groups (a buyer sits in a city or a county)."""
    regions = list(
        Region.objects.filter(level__in=[Region.Level.CITY, Region.Level.COUNTY])
        .select_related("parent")
        .order_by("sort_order", "code")
    )
    cities = [r for r in regions if r.level == Region.Level.CITY]
    counties = {}
    for r in regions:
        if r.level == Region.Level.COUNTY:
            counties.setdefault(r.parent_id, []).append(r)
    groups = [("", _("请选择"))]
    for city in cities:
        groups.append(
            (
                city.name,
                [(str(city.pk), _("%(city)s（市本级）") % {"city": city.name})]
                + [(str(c.pk), f"{city.name} {c.name}") for c in counties.get(city.pk, [])],
            )
        )
    return groups


class BuyerSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("单位名称或统一社会信用代码"), required=False, max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["class"] = "form-control"


class BuyerForm(forms.Form):
    """A new buyer organisation. The USCC is checked by the service (GB 32100 check digit, not yet registered)."""

    name = forms.CharField(label=gettext_lazy("单位名称"), max_length=120)
    uscc = forms.CharField(
        label=gettext_lazy("统一社会信用代码"), max_length=30, help_text=gettext_lazy("18位，含校验位")
    )
    region = forms.ChoiceField(label=gettext_lazy("所在地区"), help_text=gettext_lazy("设区市或县（市、区）"))
    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=60, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, required=False)
    contact_email = forms.EmailField(label=gettext_lazy("联系邮箱"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices()
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name == "region" else "form-control"

    def clean_region(self):
        value = self.cleaned_data["region"]
        region = (
            Region.objects.filter(pk=value, level__in=[Region.Level.CITY, Region.Level.COUNTY]).first()
            if str(value).isdigit()
            else None
        )
        if region is None:
            raise ValidationError(_("请选择设区市或县（市、区）。"))
        return region


class InviteForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("登录用户名"), max_length=150)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=60)
    email = forms.EmailField(label=gettext_lazy("电子邮箱"), help_text=gettext_lazy("设置密码的链接发送到该邮箱"))
    is_admin = forms.BooleanField(label=gettext_lazy("单位管理员（可邀请本单位其他用户）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-check-input" if name == "is_admin" else "form-control"


def _buyers(user):
    return _services().buyers_visible_to(user)


def _may_list(user):
    return is_province_industry(user) or bool(admin_buyer_ids(user))


@login_required
@require_GET
def buyer_list(request):
    if not _may_list(request.user):
        raise PermissionDenied(_("只有省经信厅工作人员或采购人单位管理员可以查看采购人单位。"))
    form = BuyerSearchForm(request.GET or None)
    qs = _buyers(request.user).select_related("region__parent")
    if not is_province_industry(request.user):
        qs = qs.filter(pk__in=admin_buyer_ids(request.user))
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q.upper()))
    qs = qs.annotate(
        member_count=Count("memberships", distinct=True), purchase_count=Count("purchases", distinct=True)
    ).order_by("name", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "procurement/buyers/buyer_list.html",
        {
            "form": form,
            "page": page,
            "can_create": is_province_industry(request.user),
            "filtered": bool(q),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def buyer_new(request):
    if not is_province_industry(request.user):
        raise PermissionDenied(_("只有省经信厅工作人员可以新增采购人单位。"))
    form = BuyerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = _services().create_buyer(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您没有权限新增采购人单位。"))
        else:
            messages.success(request, _("采购人单位“%(name)s”已登记。请邀请该单位的用户。") % {"name": org.name})
            return redirect("buyer_detail", pk=org.pk)
    return render(request, "procurement/buyers/buyer_form.html", {"form": form}, status=400 if form.errors else 200)


def member_status(user):
    """An account's status as the members table shows it."""
    if not user.is_active:
        return "inactive", _("已停用")
    if not user.has_usable_password():
        return "invited", _("已邀请，待设置密码")
    return "active", _("已启用")


@login_required
@require_http_methods(["GET", "POST"])
def buyer_detail(request, pk):
    org = _buyers(request.user).select_related("region__parent").filter(pk=pk).first()
    if org is None:
        raise Http404
    if not (is_province_industry(request.user) or org.pk in admin_buyer_ids(request.user)):
        raise PermissionDenied(_("只有省经信厅工作人员或本单位管理员可以管理采购人单位的用户。"))
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = _services().invite_buyer_user(actor=request.user, organisation_id=org.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您没有权限邀请该单位的用户。"))
        else:
            messages.success(
                request,
                _("已邀请 %(name)s（%(username)s），设置密码的链接已发送到 %(email)s。")
                % {"name": user.display_name or user.username, "username": user.username, "email": user.email},
            )
            return redirect("buyer_detail", pk=org.pk)
    members = list(
        Membership.objects.filter(organisation=org).select_related("user").order_by("-is_admin", "user__username")
    )
    for m in members:
        m.status_code, m.status_text = member_status(m.user)
    return render(
        request,
        "procurement/buyers/buyer_detail.html",
        {
            "org": org,
            "members": members,
            "form": form,
            "purchase_count": org.purchases.count(),
            "is_province": is_province_industry(request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def buyer_member_invite(request, pk, user_pk):
    """Send the set-password invitation again to a member who has not set a password (the link may have expired)."""
    org = _buyers(request.user).filter(pk=pk).first()
    if org is None:
        raise Http404
    if not (is_province_industry(request.user) or org.pk in admin_buyer_ids(request.user)):
        raise PermissionDenied(_("只有省经信厅工作人员或本单位管理员可以管理采购人单位的用户。"))
    try:
        user = _services().resend_buyer_invitation(actor=request.user, organisation_id=org.pk, user_id=user_pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已重新发送设置密码的邀请到 %(email)s。") % {"email": user.email or user.username})
    return redirect("buyer_detail", pk=org.pk)
