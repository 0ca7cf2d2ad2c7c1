"""`manage.py demo`: idempotent demo data and one login per role (password: settings.DEMO_PASSWORD)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts import demo_data as D
from accounts import services
from accounts.fields import FIELD_CODES
from accounts.models import ExpertProfile, Membership, Organisation, Region, User, role_for_organisation
from audit.services import record
from notifications.services import notify


class Command(BaseCommand):
    help = "Load demo organisations, experts, logins, an open batch and applications in every state (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            self.regions = {r.code: r for r in Region.objects.all()}
            logins = self._organisations_and_logins()
            self._experts()
        self._pending_registration()
        from certification import demo as certification_demo

        staff_logins, batch, applications = certification_demo.load()
        logins += staff_logins
        from review import demo as review_demo

        review_round, _created = review_demo.load()
        from recognition import demo as recognition_demo

        recognition_logins, _created = recognition_demo.load()
        logins += recognition_logins
        from insurance import demo as insurance_demo

        insurance_demo.load()
        from procurement import demo as procurement_demo

        procurement_demo.load()
        from payouts import demo as payouts_demo

        payouts_demo.load()
        self._welcome(logins)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password {settings.DEMO_PASSWORD}):"))
        for username, label in logins:
            self.stdout.write(f"  {username:<16} {label}")
        self.stdout.write(f"Batch: {batch.name} ({batch.get_state_display()}); applications:")
        for key, state, number, created in applications:
            self.stdout.write(f"  {key:<16} {state:<14} {number or '-':<11} {'created' if created else 'exists'}")
        if review_round is not None:
            for line in review_demo.summary(review_round):
                self.stdout.write(line)
        for line in recognition_demo.summary():
            self.stdout.write(line)
        for line in insurance_demo.summary():
            self.stdout.write(line)
        for line in procurement_demo.summary():
            self.stdout.write(line)
        for line in payouts_demo.summary():
            self.stdout.write(line)
        token, _ = Token.objects.get_or_create(user=User.objects.get(username="prov_staff"))
        self.stdout.write(f"  API token of prov_staff: {token.key}")

    # --- helpers -------------------------------------------------------------------------------
    def _org(self, *, uscc, name, kind, region_code, bureau_level="", department=""):
        org = Organisation.objects.filter(uscc=uscc).first()
        if org:
            return org
        org = Organisation(kind=kind, name=name, uscc=uscc, region=self.regions[region_code],
                           bureau_level=bureau_level, department=department, status=Organisation.Status.APPROVED,
                           contact_name="联系人", contact_phone="0571-88888888")
        org.full_clean()
        org.save()
        record(action="demo.org_created", organisation=org, obj=org, after={"name": name, "uscc": uscc, "kind": kind})
        return org

    def _user(self, username, display_name, org=None, *, superuser=False):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=display_name, email=f"{username}@demo.example.com",
                        is_superuser=superuser, is_staff=superuser)
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
        if org is not None:
            Membership.objects.get_or_create(user=user, organisation=org,
                                             defaults={"role": role_for_organisation(org), "is_admin": True})
        return user

    # --- data ----------------------------------------------------------------------------------
    def _organisations_and_logins(self):
        logins = [("admin", "系统管理员（Django admin）")]
        self._user("admin", "系统管理员", superuser=True)
        for username, name, dept, region, code in D.PROVINCE_BUREAUS:
            org = self._org(uscc=code, name=name, kind="bureau", region_code=region, bureau_level="province",
                            department=dept)
            self._user(username, f"{name}工作人员", org)
            logins.append((username, name))
        for i, (code, city) in enumerate(D.CITY_NAMES.items()):
            org = self._org(uscc=D.uscc("11", code + "00", 2100 + i), name=f"{city}经济和信息化局", kind="bureau",
                            region_code=code, bureau_level="city", department="industry")
            fin = self._org(uscc=D.uscc("11", code + "00", 2200 + i), name=f"{city}财政局", kind="bureau",
                            region_code=code, bureau_level="city", department="finance")
            if code == "3301":
                self._user("hz_staff", "杭州市经信局工作人员", org)
                self._user("hz_finance", "杭州市财政局工作人员", fin)
                logins += [("hz_staff", org.name), ("hz_finance", fin.name)]
            elif code == "3310":
                self._user("tz_staff", "台州市经信局工作人员", org)
                logins.append(("tz_staff", org.name))
        for i, (code, county) in enumerate(D.COUNTY_BUREAUS.items()):
            city = D.CITY_NAMES[code[:4]]
            org = self._org(uscc=D.uscc("11", code, 2300 + i), name=f"{city}{county}经济和信息化局", kind="bureau",
                            region_code=code, bureau_level="county", department="industry")
            if code == "330106":
                self._user("binjiang_staff", "滨江区经信局工作人员", org)
                logins.append(("binjiang_staff", org.name))
            elif code == "331004":
                self._user("yuhuan_staff", "玉环市经信局工作人员", org)
                logins.append(("yuhuan_staff", org.name))
        for i, (key, name, region, _product, _field) in enumerate(D.ENTERPRISES):
            org = self._org(uscc=D.uscc("91", region, 1000 + i), name=name, kind="enterprise", region_code=region)
            self._user(key, f"{name}申报员", org)
            logins.append((key, name))
        self.other = {}
        for key, kind, name, region, prefix, serial in D.OTHER_ORGS:
            self.other[key] = self._org(uscc=D.uscc(prefix, region + "00", serial), name=name, kind=kind,
                                        region_code=region)
            if kind in ("insurer", "buyer"):
                self._user(key, f"{name}经办人", self.other[key])
                logins.append((key, name))
        logins.append(("expert01", "专家（专家库）"))
        return logins

    def _experts(self):
        for i, name in enumerate(D.EXPERT_NAMES):
            username = f"expert{i + 1:02d}"
            user = self._user(username, name)
            employer = self.other[D.EXPERT_EMPLOYERS[i % len(D.EXPERT_EMPLOYERS)]]
            fields = [FIELD_CODES[i % 10], FIELD_CODES[(i + 3) % 10]]
            ExpertProfile.objects.get_or_create(
                user=user,
                defaults={"fields": fields, "title": D.EXPERT_TITLES[i % len(D.EXPERT_TITLES)], "employer": employer,
                          "region": employer.region},
            )

    def _pending_registration(self):
        key, name, region = D.PENDING_ENTERPRISE
        code = D.uscc("91", region, 1900)
        if Organisation.objects.filter(uscc=code).exists():
            return
        services.register_enterprise(
            uscc=code, name=name, region=self.regions[region], contact_name="张工", contact_phone="13800000000",
            email=f"{key}@demo.example.com", username=key, password=settings.DEMO_PASSWORD,
        )
        user = User.objects.get(username=key)
        services.verify_email(token=services.email_verification_token(user))

    def _welcome(self, logins):
        users = list(User.objects.filter(username__in=[u for u, _ in logins]))
        already = set(
            User.objects.filter(notifications__kind="system.message").values_list("pk", flat=True)
        )
        fresh = [u for u in users if u.pk not in already]
        if fresh:
            with transaction.atomic():
                notify(recipients=fresh, kind="system.message", subject="欢迎使用首台（套）认定管理系统",
                       body="这是演示环境。2026年度认定批次即将开放申报，请留意通知。", link="/dashboard/")
