"""补偿规则 pages (province industry staff): the current version of each year with every parameter, a new year's
rule set, an edit that writes a new version (services.rules), and the version history."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Membership
from accounts.roles import roles_of

from ..forms import RuleSetForm
from ..models import RuleSet
from ..services import rules as services
from ._common import apply_errors


def province_staff_only(view):
    """Province industry staff only; everyone else gets 404, as for any page outside their scope."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (roles_of(request.user).has(Membership.Role.PROVINCE_STAFF) or request.user.is_superuser):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@province_staff_only
def rule_set_list(request):
    current = list(RuleSet.objects.filter(current=True).select_related("batch", "created_by")
                   .order_by("-year", "batch_id"))
    return render(request, "insurance/rule_set_list.html", {"rule_sets": current})


@province_staff_only
@require_http_methods(["GET", "POST"])
def rule_set_new(request):
    form = RuleSetForm(request.POST or None, with_year=True, initial=RuleSetForm.defaults())
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        if RuleSet.objects.filter(year=year, batch__isnull=True, current=True).exists():
            form.add_error("year", _("该年度已有补偿规则，请在现行版本上修改。"))
        else:
            try:
                rs = services.create_rule_set(actor=request.user, year=year, **form.values())
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("%(y)s 年度补偿规则已创建（第 %(v)s 版）。") % {"y": rs.year, "v": rs.version})
                return redirect("rule_set_detail", pk=rs.pk)
    return render(request, "insurance/rule_set_form.html", {"form": form, "rule_set": None},
                  status=400 if form.errors else 200)


def _detail(request, rs, form=None, status=200):
    history = list(RuleSet.objects.filter(year=rs.year, batch_id=rs.batch_id).select_related("created_by")
                   .order_by("-version"))
    if form is None and rs.current:
        form = RuleSetForm(initial=RuleSetForm.initial_for(rs))
    parameters = [(RuleSet._meta.get_field(name).verbose_name, getattr(rs, name), name)
                  for name in services.RULE_FIELDS]
    return render(request, "insurance/rule_set_detail.html", {
        "rule_set": rs, "history": history, "form": form, "parameters": parameters,
        "current": next((r for r in history if r.current), None),
    }, status=status)


@province_staff_only
def rule_set_detail(request, pk):
    rs = get_object_or_404(RuleSet.objects.select_related("batch", "created_by"), pk=pk)
    return _detail(request, rs)


@province_staff_only
@require_http_methods(["GET", "POST"])
def rule_set_edit(request, pk):
    rs = get_object_or_404(RuleSet.objects.select_related("batch", "created_by"), pk=pk)
    if request.method == "GET":
        return redirect("rule_set_detail", pk=rs.pk)
    form = RuleSetForm(request.POST)
    if form.is_valid():
        changes = {k: v for k, v in form.values().items() if k == "note" or v != getattr(rs, k)}
        try:
            new = services.update_rule_set(request.user, rs.pk, **changes)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存为第 %(v)s 版；已核定的补偿申请仍按其核定时的版本。") % {"v": new.version})
            return redirect("rule_set_detail", pk=new.pk)
    return _detail(request, rs, form=form, status=400)
