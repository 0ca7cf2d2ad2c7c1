"""Every write to the expert pool (专家库): add, change, activate or deactivate an expert, invite them.

Province industry-bureau staff keep the pool (expert_queries.may_manage_experts). An expert is a User with an
unusable password until they set one through the link in their invitation, plus an ExpertProfile.
"""

import re
from dataclasses import dataclass, field

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from audit.services import record, snapshot
from notifications.services import notify

from .expert_queries import may_manage_experts
from .fields import FIELD_CODES
from .models import SENIOR_TITLES, ExpertProfile, Organisation, Region, User, normalise_uscc, validate_uscc
from .roles import acting_organisation
from .signals import expert_deactivated, expert_employer_changed

USERNAME_RE = re.compile(r"^[\w.@+-]+$")
# A mobile number, or a landline with its area code (and an extension).
PHONE_RE = re.compile(r"^(?:\+?86)?(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$")
EDITABLE = ("display_name", "email", "phone", "title", "fields", "employer", "employer_name", "employer_uscc",
            "region", "note")
ORG_AUDIT_FIELDS = ["kind", "name", "uscc", "region", "status"]
EMAIL_MAX = User._meta.get_field("email").max_length


def require_manager(actor):
    if not may_manage_experts(actor):
        raise PermissionDenied(_("只有省经信厅工作人员可以管理专家库。"))


class Lookups:
    """The database look-ups validation needs, one query each. The import pre-loads a whole file's instead."""

    def username_taken(self, username, user_id=None):
        return User.objects.filter(username__iexact=username).exclude(pk=user_id).exists()

    def email_taken(self, email, user_id=None):
        return User.objects.filter(email__iexact=email).exclude(pk=user_id).exists()

    def org_by_uscc(self, uscc):
        return Organisation.objects.filter(uscc=uscc).first()


@dataclass
class ExpertData:
    """One expert's validated values; `employer` is None when a new organisation is to be created."""

    display_name: str
    email: str
    phone: str
    title: str
    fields: list
    employer: Organisation | None
    region: Region | None
    note: str = ""
    username: str = ""
    new_employer: tuple = field(default=())  # (name, uscc) of the organisation to create


def _text(value):
    return str(value if value is not None else "").strip()


def clean_expert(values, *, lookups=None, user=None):
    """Validate one expert's values (a dict); every problem at once, keyed by field. Writes nothing.

    `user` is the expert's existing user on an update (username then unchanged, own e-mail allowed).
    """
    lookups = lookups or Lookups()
    errors = {}
    user_id = user.pk if user else None
    name = _text(values.get("display_name"))
    if not name:
        errors["display_name"] = _("请填写姓名。")
    elif len(name) > 60:
        errors["display_name"] = _("姓名不能超过60个字。")
    username = user.username if user else _text(values.get("username"))
    if user is None:
        if not username:
            errors["username"] = _("请填写登录用户名。")
        elif len(username) > 150 or not USERNAME_RE.match(username):
            errors["username"] = _("用户名只能包含字母、数字和 @/./+/-/_，最多150个字符。")
        elif lookups.username_taken(username):
            errors["username"] = _("该用户名已被使用。")
    email = _text(values.get("email")).lower()
    if not email:
        errors["email"] = _("请填写邮箱（用于设置密码和接收评审通知）。")
    elif len(email) > EMAIL_MAX:
        errors["email"] = _("邮箱不能超过%(n)d个字符。") % {"n": EMAIL_MAX}
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("邮箱格式不正确。")
        else:
            if lookups.email_taken(email, user_id):
                errors["email"] = _("该邮箱已被其他用户使用。")
    phone = re.sub(r"[\s()（）]", "", _text(values.get("phone")))
    if not phone:
        # Required for new experts; older records without one may still be edited until it is filled in.
        if user is None or user.phone:
            errors["phone"] = _("请填写手机号码。")
    elif not PHONE_RE.match(phone):
        errors["phone"] = _("手机号码格式不正确：请填写11位手机号码或带区号的固定电话。")
    title = _text(values.get("title"))
    if title not in SENIOR_TITLES:
        errors["title"] = _("职称须为高级职称及以上，请从以下选择：%(titles)s。") % {"titles": "、".join(SENIOR_TITLES)}
    codes = list(values.get("fields") or [])
    unknown = [str(c) for c in codes if c not in FIELD_CODES]
    if unknown:
        errors["fields"] = _("无法识别的专业领域：%(items)s。") % {"items": "、".join(unknown)}
    elif not codes:
        errors["fields"] = _("请选择至少一个专业领域。")
    region = values.get("region")
    note = _text(values.get("note"))
    if len(note) > 2000:
        errors["note"] = _("备注不能超过2000个字。")
    employer, new_employer = _clean_employer(values, lookups, errors)
    if errors:
        raise ValidationError(errors)
    return ExpertData(
        display_name=name, username=username, email=email, phone=phone, title=title,
        fields=[c for c in FIELD_CODES if c in codes], employer=employer, region=region, note=note,
        new_employer=new_employer,
    )


def _clean_employer(values, lookups, errors):
    """An existing organisation, or a name and USCC: an organisation with that USCC is reused, else one is made."""
    employer = values.get("employer")
    if employer is not None:
        return employer, ()
    name = _text(values.get("employer_name"))
    uscc = normalise_uscc(_text(values.get("employer_uscc")).upper())
    if not name and not uscc:
        errors["employer"] = _("请选择工作单位，或填写工作单位名称和统一社会信用代码。")
        return None, ()
    if not uscc:
        errors["employer_uscc"] = _("新增工作单位时请填写其统一社会信用代码。")
        return None, ()
    try:
        validate_uscc(uscc)
    except ValidationError as exc:
        errors["employer_uscc"] = exc.messages[0]
        return None, ()
    existing = lookups.org_by_uscc(uscc)
    if existing is not None:
        return existing, ()
    if not name:
        errors["employer_name"] = _("该统一社会信用代码尚未登记，请填写工作单位名称。")
    elif len(name) > 120:
        errors["employer_name"] = _("工作单位名称不能超过120个字。")
    return None, (name, uscc)


def expert_snapshot(profile):
    user = profile.user
    data = {"display_name": user.display_name, "username": user.username, "email": user.email, "phone": user.phone}
    data.update(snapshot(profile, ["title", "fields", "employer", "region", "note", "active", "deactivated_reason"]))
    return data


def _resolve_employer(actor, data):
    """The organisation to attach: the chosen one, one already registered with the USCC, or a new 其他单位."""
    if data.employer is not None:
        return data.employer
    name, uscc = data.new_employer
    org = Organisation.objects.filter(uscc=uscc).first()
    if org is not None:
        return org
    region = data.region or Region.objects.get(level=Region.Level.PROVINCE)
    org = Organisation(kind=Organisation.Kind.OTHER, name=name, uscc=uscc, region=region,
                       status=Organisation.Status.APPROVED)
    try:
        org.full_clean()
    except ValidationError as exc:
        keys = {"uscc": "employer_uscc", "name": "employer_name"}
        raise ValidationError({keys.get(k, "employer"): v for k, v in exc.message_dict.items()}) from None
    org.save()
    record(action="org.created", actor=actor, organisation=acting_organisation(actor), obj=org,
           after=snapshot(org, ORG_AUDIT_FIELDS), reason=_("新增专家时登记的工作单位"))
    return org


def _invite(profile):
    """Tell a new expert how to set their password: a one-time set-password link (Django's reset token)."""
    user = profile.user
    link = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user),
    })
    notify(
        recipients=[user], kind="account.expert_invited", subject=_("您已被纳入首台（套）评审专家库"),
        body=_("%(name)s，您好：省经信厅已将您纳入首台（套）认定评审专家库，登录用户名为 %(username)s。"
               "请通过下面的链接设置登录密码（链接24小时内有效，设置后即失效；过期请联系省经信厅重新发送）。"
               "设置密码后请在 %(login)s 登录。") % {
            "name": user.display_name, "username": user.username, "login": reverse("login")},
        link=link,
    )


def create_validated(actor, data):
    """Write one expert whose values clean_expert accepted (inside the caller's transaction); see create_expert."""
    employer = _resolve_employer(actor, data)
    user = User(username=data.username, email=data.email, display_name=data.display_name, phone=data.phone)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two staff adding the same username at once: the unique constraint decides.
        raise ValidationError({"username": _("该用户名已被使用。")}) from None
    profile = ExpertProfile.objects.create(
        user=user, fields=data.fields, title=data.title, employer=employer, region=data.region, note=data.note,
    )
    record(action="expert.created", actor=actor, organisation=acting_organisation(actor), obj=profile,
           after=expert_snapshot(profile))
    _invite(profile)
    return profile


def create_expert(*, actor, display_name, username, email, phone, title, fields, employer=None, employer_name="",
                  employer_uscc="", region=None, note=""):
    """Add an expert to the pool (province industry-bureau staff).

    Side effects: a User with an unusable password and an ExpertProfile; possibly a new Organisation (其他单位,
    approved) for the employer; audit events; an invitation notification with a set-password link.
    """
    require_manager(actor)
    data = clean_expert({
        "display_name": display_name, "username": username, "email": email, "phone": phone, "title": title,
        "fields": fields, "employer": employer, "employer_name": employer_name, "employer_uscc": employer_uscc,
        "region": region, "note": note,
    })
    with transaction.atomic():
        return create_validated(actor, data)


def _locked(profile):
    return ExpertProfile.objects.select_for_update().select_related("user", "employer").get(pk=profile.pk)


def update_expert(*, actor, profile, **changes):
    """Change an expert's details; keys are those of EDITABLE (the username stays).

    Side effects: the User and ExpertProfile rows; possibly a new employer Organisation; an audit event with the
    changed values before and after (none when nothing changed).
    """
    require_manager(actor)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({k: _("该项不能修改。") for k in sorted(unknown)})
    with transaction.atomic():
        profile = _locked(profile)
        user = profile.user
        values = {"display_name": user.display_name, "email": user.email, "phone": user.phone, "title": profile.title,
                  "fields": profile.fields, "employer": profile.employer, "region": profile.region,
                  "note": profile.note}
        if changes.get("employer") is None and (changes.get("employer_name") or changes.get("employer_uscc")):
            values["employer"] = None  # a new employer given by name and code
        values.update({k: v for k, v in changes.items() if k != "employer" or v is not None})
        data = clean_expert(values, user=user)
        before = expert_snapshot(profile)
        user.display_name, user.email, user.phone = data.display_name, data.email, data.phone
        user.save(update_fields=["display_name", "email", "phone"])
        profile.title, profile.fields, profile.region, profile.note = data.title, data.fields, data.region, data.note
        old_employer_id = profile.employer_id
        profile.employer = _resolve_employer(actor, data)
        profile.save()
        if profile.employer_id != old_employer_id:
            expert_employer_changed.send(sender=ExpertProfile, expert=user, employer=profile.employer, actor=actor)
        after = expert_snapshot(profile)
        changed = [k for k in after if after[k] != before[k]]
        if changed:
            record(action="expert.updated", actor=actor, organisation=acting_organisation(actor), obj=profile,
                   before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return profile


def set_expert_active(*, actor, profile, active, reason=""):
    """Take an expert out of the pool (a reason is required) or back in.

    Side effects: the profile's active flag, deactivation reason and time; an audit event with the reason.
    A deactivated expert keeps their login but no longer acts as an expert (roles read active profiles only).
    """
    require_manager(actor)
    reason = _text(reason)
    with transaction.atomic():
        profile = _locked(profile)
        if profile.active == active:
            raise ValidationError({"active": _("该专家已在库。") if active else _("该专家已停用。")})
        if not active and not reason:
            raise ValidationError({"reason": _("停用专家时必须填写理由。")})
        if len(reason) > 500:
            raise ValidationError({"reason": _("理由不能超过500个字。")})
        before = snapshot(profile, ["active", "deactivated_reason"])
        profile.active = active
        profile.deactivated_reason = "" if active else reason
        profile.deactivated_at = None if active else timezone.now()
        profile.save(update_fields=["active", "deactivated_reason", "deactivated_at", "updated_at"])
        record(action="expert.activated" if active else "expert.deactivated", actor=actor,
               organisation=acting_organisation(actor), obj=profile, before=before,
               after=snapshot(profile, ["active", "deactivated_reason"]), reason=reason)
        if not active:
            expert_deactivated.send(sender=ExpertProfile, expert=profile.user, actor=actor, reason=reason)
    return profile


def invite_expert(*, actor, profile):
    """Send the set-password invitation again (the link lasts a day) to an expert who has not set a password.

    Side effects: a notification with a fresh link; an audit event.
    """
    require_manager(actor)
    with transaction.atomic():
        profile = _locked(profile)
        if profile.user.has_usable_password():
            raise ValidationError(_("该专家已设置登录密码，无需再次邀请。"))
        if not profile.user.is_active:
            raise ValidationError(_("该专家的账户已停用，不能发送邀请。"))
        _invite(profile)
        record(action="expert.invited", actor=actor, organisation=acting_organisation(actor), obj=profile)
    return profile
