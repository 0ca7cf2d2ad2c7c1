"""factory_boy factories shared by every test layer."""

import itertools

import factory
from stdnum.cn import uscc as stdnum_uscc

from accounts.models import ExpertProfile, Membership, Organisation, Region, User, role_for_organisation

_seq = itertools.count(1)


def make_uscc(n=None, region_code="330100"):
    """A USCC with a valid check digit: 91 + region + 9-character organisation code + check digit."""
    n = next(_seq) if n is None else n
    body = f"91{region_code}{n:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def ensure_regions():
    """Reload what the data migration wrote when a transactional test's flush has emptied the table
    (integration and browser tests flush every table after each test)."""
    import importlib

    from django.apps import apps

    if not Region.objects.exists():
        importlib.import_module("accounts.migrations.0002_load_regions").load(apps, None)


def region(code):
    return Region.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "Test-pass-2026")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.ENTERPRISE
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    uscc = factory.LazyFunction(make_uscc)
    region = factory.LazyFunction(lambda: Region.objects.get(code="330106"))  # 杭州 滨江区
    status = Organisation.Status.APPROVED


def bureau(level, region_code, department=Organisation.Department.INDUSTRY, name=None):
    r = Region.objects.get(code=region_code)
    return OrganisationFactory(
        kind=Organisation.Kind.BUREAU, bureau_level=level, department=department, region=r,
        name=name or f"{r.name}{dict(Organisation.Department.choices)[department]}部门",
    )


def member(org, user=None, **kwargs):
    """A user acting for org, with the role its kind implies."""
    user = user or UserFactory(**kwargs)
    Membership.objects.create(user=user, organisation=org, role=role_for_organisation(org))
    return user


def expert(employer, fields=("medical",), **kwargs):
    user = UserFactory(**kwargs)
    ExpertProfile.objects.create(user=user, employer=employer, fields=list(fields), title="正高级工程师")
    return user
