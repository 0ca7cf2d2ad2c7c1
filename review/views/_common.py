"""Helpers shared by the expert-review pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404

from ..queries import is_review_staff, rounds_for_staff


def staff_only(view):
    """Province review staff only; everyone else gets 404, as for any object outside their scope."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_review_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def staff_round(request, pk):
    return get_object_or_404(rounds_for_staff(request.user), pk=pk)


def add_service_errors(form, exc, key_map=None):
    """A service's ValidationError on a form: keys the form has (or key_map translates) go next to their field,
    the rest above the form."""
    key_map = key_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        name = key_map.get(key, key)
        form.add_error(name if name in form.fields else None, errors)


def messages_of(exc):
    return list(exc.messages)
