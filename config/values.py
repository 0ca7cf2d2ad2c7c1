"""Generic value checks the services share (procurement, payouts): each cleans one submitted value or raises a
ValidationError naming its field with a translated message, so bad input is a field error, never a 500.

`collect` runs one check and gathers its error, so a service can report every field at once before writing."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.queries import is_id


def refuse(message, field="__all__"):
    raise ValidationError({field: [message]})


def clean_text(value, field, message, max_length, *, required=True):
    text = str(value or "").strip()
    if required and not text:
        refuse(message, field)
    if len(text) > max_length:
        refuse(_("不能超过 %(n)d 个字。") % {"n": max_length}, field)
    return text


def clean_date(value, field, label, *, required=True):
    if value in (None, "") and not required:
        return None
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, str) and value.strip():
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            refuse(_("%(label)s格式应为 YYYY-MM-DD。") % {"label": label}, field)
    if not isinstance(value, dt.date):
        refuse(_("请填写%(label)s。") % {"label": label}, field)
    return value


def not_future(day, field, label):
    """The day, unless it is after today in Asia/Shanghai."""
    if day > timezone.localdate():
        refuse(_("%(label)s不能晚于今天。") % {"label": label}, field)
    return day


def clean_ids(values, field):
    """Primary keys from form or JSON values, deduplicated in order."""
    if isinstance(values, (str, bytes, int)):
        values = [values]
    ids = []
    for value in values or []:
        text = str(value).strip()
        if not is_id(text):  # ASCII digits only: "²".isdigit() is True but int("²") raises
            refuse(_("编号无效：%(v)s") % {"v": text[:20]}, field)
        ids.append(int(text))
    return list(dict.fromkeys(ids))


def collect(errors, fn, *args, **kwargs):
    """Run one check, adding its error to errors; answers the cleaned value (None on error)."""
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
        return None
