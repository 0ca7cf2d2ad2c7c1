"""Every write to accounts: registration, e-mail verification, approval, organisations and members."""

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record, snapshot
from notifications.services import notify

from .models import Membership, Organisation, Region, User, normalise_uscc, role_for_organisation, validate_uscc
from .queries import organisations_visible_to
from .roles import acting_organisation

VERIFY_SALT = "accounts.verify-email"
VERIFY_MAX_AGE = 60 * 60 * 24 * 3
ORG_AUDIT_FIELDS = ["kind", "name", "uscc", "region", "bureau_level", "department", "status", "status_reason"]


def _check_uscc_free(uscc, field="uscc"):
    try:
        validate_uscc(uscc)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    if Organisation.objects.filter(uscc=uscc).exists():
        raise ValidationError({field: _("该统一社会信用代码已注册。如需加入该单位，请联系单位管理员。")})


def email_verification_token(user):
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)


def register_enterprise(*, uscc, name, region, contact_name, contact_phone, email, username, password):
    """Self-registration of an enterprise and its first user (the organisation's administrator).

    Side effects: a User, an Organisation (status unverified) and a Membership; an audit event;
    a verification e-mail through the notification outbox.
    """
    uscc = normalise_uscc(uscc)
    _check_uscc_free(uscc)
    if region is None or region.level != Region.Level.COUNTY:
        raise ValidationError({"region": _("请选择企业所在的县（市、区）。")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("该用户名已被使用。")})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("该邮箱已注册。")})
    user = User(username=username, email=email, display_name=contact_name, phone=contact_phone)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            org = Organisation(
                kind=Organisation.Kind.ENTERPRISE, name=name.strip(), uscc=uscc, region=region,
                contact_name=contact_name, contact_phone=contact_phone, contact_email=email,
                status=Organisation.Status.UNVERIFIED,
            )
            org.full_clean()
            org.save()
            Membership.objects.create(user=user, organisation=org, role=Membership.Role.ENTERPRISE, is_admin=True)
            record(action="org.registered", actor=user, organisation=org, obj=org, after=snapshot(org, ORG_AUDIT_FIELDS))
            link = reverse("verify_email", args=[email_verification_token(user)])
            notify(
                recipients=[user], kind="account.verify_email", subject=_("请验证您的邮箱"),
                body=_("%(name)s 的注册已收到。请点击下面的链接验证邮箱，之后由经信部门审核单位信息。") % {"name": org.name},
                link=link,
            )
    except IntegrityError:
        # Two registrations of the same code at once: the unique constraint decides.
        raise ValidationError({"uscc": _("该统一社会信用代码已注册。如需加入该单位，请联系单位管理员。")}) from None
    return org


def _reviewers_for(org):
    """Industry-bureau staff who may approve this enterprise: its city bureau, or the province."""
    city = org.region.city
    local = []
    if city:
        # One filter() call, so that role and region hold for the same membership (chained calls join twice).
        local = list(User.objects.filter(is_active=True, memberships__role=Membership.Role.CITY_STAFF,
                                         memberships__organisation__region=city).distinct())
    if local:
        return local
    return list(User.objects.filter(is_active=True, memberships__role=Membership.Role.PROVINCE_STAFF).distinct())


def verify_email(*, token):
    """Confirm the address from the signed link; the registration then waits for a bureau's approval.

    Side effects: the user's email_verified_at; organisation status unverified → pending; audit events;
    notifications to the reviewing bureau staff.
    """
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(_("验证链接已过期，请重新注册或联系经信部门。")) from None
    except signing.BadSignature:
        raise ValidationError(_("验证链接无效。")) from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data["u"], email=data["e"]).first()
        if user is None:
            raise ValidationError(_("验证链接无效。"))
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
            record(action="user.email_verified", actor=user, obj=user)
        orgs = Organisation.objects.select_for_update().filter(
            memberships__user=user, status=Organisation.Status.UNVERIFIED
        )
        for org in orgs:
            before = snapshot(org, ORG_AUDIT_FIELDS)
            org.email_verified()
            org.save()
            record(action="org.submitted_for_review", actor=user, organisation=org, obj=org, before=before,
                   after=snapshot(org, ORG_AUDIT_FIELDS))
            notify(
                recipients=_reviewers_for(org), kind="org.review_requested",
                subject=_("新的企业注册待审核：%(name)s") % {"name": org.name},
                body=_("%(name)s（%(uscc)s，%(region)s）已完成注册，请审核。") % {
                    "name": org.name, "uscc": org.uscc, "region": org.region.full_name},
                link=reverse("org_detail", args=[org.pk]),
            )
    return user


def _review(*, actor, organisation_id, approve, reason):
    with transaction.atomic():
        org = (
            organisations_visible_to(actor).select_for_update(of=("self",)).filter(pk=organisation_id).first()
        )
        if org is None:
            raise Http404
        if not actor.has_perm("accounts.review_registration", org):
            if org.status != Organisation.Status.PENDING:
                raise ValidationError(_("该单位当前状态为“%(s)s”，不能审核。") % {"s": org.get_status_display()})
            raise PermissionDenied(_("您无权审核该单位的注册。"))
        if not approve and not reason.strip():
            raise ValidationError({"reason": _("退回注册时必须填写理由。")})
        before = snapshot(org, ORG_AUDIT_FIELDS)
        if approve:
            org.approve()
        else:
            org.reject()
        org.status_reason = reason.strip()
        org.reviewed_by = actor
        org.reviewed_at = timezone.now()
        org.save()
        acting_for = acting_organisation(actor)
        record(action="org.approved" if approve else "org.rejected", actor=actor, organisation=acting_for, obj=org,
               before=before, after=snapshot(org, ORG_AUDIT_FIELDS), reason=reason)
        members = list(User.objects.filter(memberships__organisation=org, is_active=True))
        if approve:
            notify(recipients=members, kind="org.approved", subject=_("单位注册已审核通过"),
                   body=_("%(name)s 已通过审核，现在可以在线申报。") % {"name": org.name}, link=reverse("dashboard"))
        else:
            notify(recipients=members, kind="org.rejected", subject=_("单位注册未通过审核"),
                   body=_("%(name)s 的注册未通过审核。理由：%(reason)s") % {"name": org.name, "reason": reason},
                   link=reverse("dashboard"))
    return org


def approve_registration(*, actor, organisation_id, reason=""):
    """Approve a pending enterprise registration (province staff or the enterprise's city bureau).

    Side effects: organisation status → approved; audit event; notification to the enterprise's users.
    """
    return _review(actor=actor, organisation_id=organisation_id, approve=True, reason=reason)


def reject_registration(*, actor, organisation_id, reason):
    """Reject a pending enterprise registration with a reason.

    Side effects: organisation status → rejected; audit event; notification to the enterprise's users.
    """
    return _review(actor=actor, organisation_id=organisation_id, approve=False, reason=reason)


def create_organisation(*, actor, kind, name, uscc, region, bureau_level="", department="", contact_name="",
                        contact_phone="", contact_email=""):
    """Province staff register a bureau, insurer, buyer or other organisation (approved at once).

    Side effects: an Organisation; an audit event.
    """
    if not actor.has_perm("accounts.create_organisation"):
        raise PermissionDenied(_("只有省经信厅工作人员可以新增单位。"))
    uscc = normalise_uscc(uscc)
    _check_uscc_free(uscc)
    org = Organisation(
        kind=kind, name=(name or "").strip(), uscc=uscc, region=region, bureau_level=bureau_level or "",
        department=department or "", contact_name=contact_name, contact_phone=contact_phone,
        contact_email=contact_email, status=Organisation.Status.APPROVED,
    )
    org.full_clean()
    try:
        with transaction.atomic():
            org.save()
            acting_for = acting_organisation(actor)
            record(action="org.created", actor=actor, organisation=acting_for, obj=org,
                   after=snapshot(org, ORG_AUDIT_FIELDS))
    except IntegrityError:
        raise ValidationError({"uscc": _("该统一社会信用代码已注册。")}) from None
    return org


def add_member(*, actor, organisation, user, is_admin=False):
    """Attach a user to an organisation with the role its kind implies.

    Side effects: a Membership; an audit event.
    """
    role = role_for_organisation(organisation)
    if role is None:
        raise ValidationError({"organisation": _("该类型的单位没有可分配的角色。")})
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": role, "is_admin": is_admin}
        )
        if created:
            record(action="membership.created", actor=actor, organisation=organisation, obj=membership,
                   after={"user": user.pk, "organisation": organisation.pk, "role": role, "is_admin": is_admin})
    return membership


def expire_unverified_registrations():
    """Deactivate users whose verification link has expired, so the name and code can be registered again later.

    Side effects: users set inactive; audit events. Organisations stay (the audit trail refers to them).
    """
    cutoff = timezone.now() - timedelta(seconds=VERIFY_MAX_AGE)
    stale = User.objects.filter(is_active=True, email_verified_at__isnull=True, date_joined__lt=cutoff,
                                memberships__organisation__status=Organisation.Status.UNVERIFIED).distinct()
    count = 0
    for user in stale:
        with transaction.atomic():
            user.is_active = False
            user.save(update_fields=["is_active"])
            record(action="user.deactivated_unverified", obj=user)
            count += 1
    return count
