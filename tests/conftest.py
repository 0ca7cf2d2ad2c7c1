import pytest

from tests import factories as f


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.AXES_ENABLED = True
    # Argon2 costs a fifth of a second per user; MD5 is fine in tests (test_settings.py checks Argon2 is configured).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A fresh in-memory cache per test: the registration throttle must not count earlier runs.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(db):
    """Province, Hangzhou city and 滨江 county bureaus, a Ningbo city bureau, enterprises in each, and users."""

    class W:
        pass

    f.ensure_regions()
    w = W()
    w.province = f.bureau("province", "33", name="浙江省经济和信息化厅")
    w.province_finance = f.bureau("province", "33", department="finance", name="浙江省财政厅")
    w.regulator = f.bureau("province", "33", department="regulator", name="国家金融监督管理总局浙江监管局")
    w.hz = f.bureau("city", "3301", name="杭州市经济和信息化局")
    w.nb = f.bureau("city", "3302", name="宁波市经济和信息化局")
    w.binjiang = f.bureau("county", "330106", name="杭州市滨江区经济和信息化局")
    w.ent_hz = f.OrganisationFactory(name="杭州测试科技有限公司", region=f.region("330106"))
    w.ent_hz_other_county = f.OrganisationFactory(name="萧山测试装备有限公司", region=f.region("330107"))
    w.ent_nb = f.OrganisationFactory(name="宁波测试机械有限公司", region=f.region("330205"))
    w.province_user = f.member(w.province, username="prov")
    w.finance_user = f.member(w.province_finance, username="fin")
    w.regulator_user = f.member(w.regulator, username="reg")
    w.hz_user = f.member(w.hz, username="hz")
    w.nb_user = f.member(w.nb, username="nb")
    w.binjiang_user = f.member(w.binjiang, username="bj")
    w.ent_hz_user = f.member(w.ent_hz, username="ent_hz")
    w.ent_nb_user = f.member(w.ent_nb, username="ent_nb")
    w.expert_user = f.expert(w.ent_nb, username="expert")
    return w
