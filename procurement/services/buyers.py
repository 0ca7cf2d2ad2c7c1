"""采购人: province industry staff register government buyer organisations (approved at once) and invite their users;
an admin member of a buyer organisation invites colleagues too. An invited user gets a one-time set-password link
by e-mail (account.buyer_invited), as experts do (accounts/experts.py); while they have not set a password, the
invitation can be sent again with a fresh link (the first may have expired)."""

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import Membership, Organisation, Region, User
from accounts.roles import acting_organisation, roles_of
from accounts.services import add_member, create_organisation
from audit.services import record
from certification.queries import is_id
from config.values import clean_text, collect
from notifications.services import notify

from .purchases import parse_pk

R = Membership.Role
K = Organisation.Kind


def is_province_industry_staff(user):
    return bool(
        getattr(user, "is_authenticated", False) and (roles_of(user).has(R.PROVINCE_STAFF) or user.is_superuser)
    )


def buyers_visible_to(user):
    """Buyer organisations the user may list: province staff (any department) all; a buyer's users their own."""
    qs = Organisation.objects.filter(kind=K.BUYER).select_related("region")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    roles = roles_of(user)
    if roles.is_province or user.is_superuser:
        return qs
    return qs.filter(pk__in=[o.pk for o in roles.organisations(R.BUYER)])


def create_buyer(*, actor, name, uscc, region, contact_name="", contact_phone="", contact_email=""):
    """Register a buyer organisation (province industry staff only), approved at once. region: a Region or its
    id. Refusals (name, a malformed or taken USCC, region) raise ValidationError naming the field.

    Side effects: an Organisation of kind buyer; an audit event (accounts.services.create_organisation).
    """
    if not is_province_industry_staff(actor):
        raise PermissionDenied(_("只有省经信厅工作人员可以新增采购人。"))
    errors = {}
    name = collect(errors, clean_text, name, "name", _("请填写采购人名称。"), 120)
    if not isinstance(region, Region):
        text = str(region or "").strip()
        region = Region.objects.filter(pk=int(text)).first() if is_id(text) else None
    if region is None:
        errors["region"] = [_("请选择所在地区。")]
    elif region.level == Region.Level.PROVINCE:
        errors["region"] = [_("请选择采购人所在的设区市或县（市、区）。")]
    if errors:
        raise ValidationError(errors)
    return create_organisation(
        actor=actor,
        kind=K.BUYER,
        name=name,
        uscc=uscc,
        region=region,
        contact_name=(contact_name or "").strip(),
        contact_phone=(contact_phone or "").strip(),
        contact_email=(contact_email or "").strip(),
    )


def _may_invite(actor, org):
    if is_province_industry_staff(actor):
        return True
    return Membership.objects.filter(user=actor, organisation=org, role=R.BUYER, is_admin=True).exists()


def _invite(user, org):
    """The one-time set-password link (Django's reset token: valid until used or PASSWORD_RESET_TIMEOUT)."""
    link = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    notify(
        recipients=[user],
        kind="account.buyer_invited",
        subject=_("您的采购人账号已开通"),
        body=_(
            "%(name)s，您好：已为您开通“%(org)s”的政府首购采购人账号，登录用户名为 %(username)s。"
            "请通过下面的链接设置登录密码（链接只能使用一次，过期请联系管理员重新邀请）。设置密码后请在 %(login)s 登录。"
        )
        % {"name": user.display_name, "org": org.name, "username": user.username, "login": reverse("login")},
        link=link,
    )


def invite_buyer_user(*, actor, organisation_id, username, name, email, is_admin=False):
    """A new user of a buyer organisation (province industry staff, or an admin member of that organisation),
    with no password yet: a one-time set-password link goes to the e-mail address. Refusals name the field
    (username taken or invalid, name, e-mail).

    Side effects: a User (unusable password), a BUYER Membership (audited by accounts.services.add_member), an
    audit event, an account.buyer_invited notification with the link.
    """
    org = buyers_visible_to(actor).filter(pk=parse_pk(organisation_id)).first()
    if org is None:
        raise Http404
    if not _may_invite(actor, org):
        raise PermissionDenied(_("只有省经信厅工作人员或本单位管理员可以开通采购人账号。"))
    user = User(
        username=str(username or "").strip(), display_name=str(name or "").strip(), email=str(email or "").strip()
    )
    errors = {}
    if not user.display_name:
        errors["name"] = [_("请填写姓名。")]
    elif len(user.display_name) > 60:
        errors["name"] = [_("姓名不能超过60个字。")]
    if not user.email:
        errors["email"] = [_("请填写电子邮箱（用于接收设置密码的链接）。")]
    try:
        user.full_clean(exclude=["password", "display_name"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    user.set_unusable_password()
    with transaction.atomic():
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # two invitations of one username at once: the unique constraint decides
            raise ValidationError({"username": [_("该用户名已被使用。")]}) from None
        add_member(actor=actor, organisation=org, user=user, is_admin=bool(is_admin))
        record(
            action="buyer.user_invited",
            actor=actor,
            organisation=acting_organisation(actor) or org,
            obj=user,
            after={"organisation": org.pk, "username": user.username, "email": user.email, "is_admin": bool(is_admin)},
        )
        _invite(user, org)
    return user


def resend_buyer_invitation(*, actor, organisation_id, user_id):
    """Send the set-password invitation again to a member of a buyer organisation who has not set a password yet
    (the link lasts PASSWORD_RESET_TIMEOUT). Who: as invite_buyer_user. Refused under "user": a member who has
    set a password, or whose account is disabled. Another organisation's user, or an organisation out of scope,
    answers 404.

    Side effects: an account.buyer_invited notification with a fresh link; an audit event.
    """
    org = buyers_visible_to(actor).filter(pk=parse_pk(organisation_id)).first()
    if org is None:
        raise Http404
    if not _may_invite(actor, org):
        raise PermissionDenied(_("只有省经信厅工作人员或本单位管理员可以开通采购人账号。"))
    with transaction.atomic():
        user = (
            User.objects.select_for_update(of=("self",))
            .filter(pk=parse_pk(user_id), memberships__organisation=org, memberships__role=R.BUYER)
            .first()
        )
        if user is None:
            raise Http404
        if user.has_usable_password():
            raise ValidationError({"user": [_("该用户已设置登录密码，无需再次邀请。")]})
        if not user.is_active:
            raise ValidationError({"user": [_("该用户的账号已停用，不能发送邀请。")]})
        _invite(user, org)
        record(
            action="buyer.user_reinvited",
            actor=actor,
            organisation=acting_organisation(actor) or org,
            obj=user,
            after={"organisation": org.pk, "username": user.username, "email": user.email},
        )
    return user
