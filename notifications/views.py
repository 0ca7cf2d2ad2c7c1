from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import kinds, services
from .models import EmailPreference
from .queries import inbox_for


@login_required
def inbox(request):
    qs = inbox_for(request.user)
    if request.GET.get("unread") == "1":
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "only_unread": request.GET.get("unread") == "1"})


@login_required
def open_notification(request, pk):
    n = get_object_or_404(inbox_for(request.user), pk=pk)
    services.mark_read(user=request.user, notification_ids=[n.pk])
    if n.link and url_has_allowed_host_and_scheme(n.link, allowed_hosts={request.get_host()}):
        return redirect(n.link)
    return redirect("inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_read(user=request.user)
    messages.success(request, _("已将 %(n)s 条消息标记为已读。") % {"n": count})
    return redirect("inbox")


@login_required
def preferences(request):
    current = dict(EmailPreference.objects.filter(user=request.user).values_list("kind", "enabled"))
    rows = [
        {"code": k.code, "label": k.label, "optional": k.email_optional, "enabled": current.get(k.code, True)}
        for k in kinds.KINDS.values()
    ]
    if request.method == "POST":
        try:
            for row in rows:
                if row["optional"]:
                    services.set_email_preference(user=request.user, kind=row["code"],
                                                  enabled=request.POST.get(row["code"]) == "on")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("通知设置已保存。"))
        return redirect("notification_preferences")
    return render(request, "notifications/preferences.html", {"rows": rows})
