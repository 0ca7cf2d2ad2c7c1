"""`manage.py demo` adds a concluded batch with recognitions and rendered certificates (the named products of
domain.md §10 among them, one revoked) and a notice public now with objections; a second run changes nothing."""

import datetime as dt
import hashlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from certification import storage
from certification.models import Batch
from recognition import demo
from recognition.models import Certificate, Notice, NoticeItem, Objection, Recognition
from recognition.queries import catalogue_queryset
from review.models import Proposal, ReviewRound
from tests.factories import ensure_regions

pytestmark = pytest.mark.django_db

# domain.md §10: enterprise login → (a word of the product name, level recognised).
NAMED = {
    "caihong": ("CH-4", "domestic"),
    "wanfeng": ("DA40NG", "provincial"),
    "maide": ("中空纤维膜纺丝", "domestic"),
    "haideman": ("VZ7000", "provincial"),
    "qixing": ("QD622", "provincial"),
    "shuanghuan": ("轨道交通用精密减速器齿轮", "provincial"),
    "tianrun": ("登机门收放装置", "provincial"),
    "donghua": ("CL04DF", "provincial"),
    "huaying": ("70英尺", None),  # level not given in the brief
}


def _run():
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def _state():
    counts = {m._meta.label: m.objects.count() for m in apps.get_models() if not m._meta.proxy}
    recognitions = list(Recognition.objects.order_by("pk").values_list("certificate_number", "status", "created_at"))
    certificates = list(Certificate.objects.order_by("pk").values_list("state", "sha256", "generated_at"))
    notices = list(Notice.objects.order_by("pk").values_list("state", "starts_at", "ends_at"))
    objections = list(Objection.objects.order_by("pk").values_list("tracking_number", "state"))
    return counts, recognitions, certificates, notices, objections


def test_demo_recognitions_certificates_notice_and_objections(client):
    """One test (the demo takes a while): the content, then a second run that changes nothing."""
    ensure_regions()
    output = _run()
    assert "Recognition: " + demo.CONCLUDED_NAME in output and "Notice: " + demo.CURRENT_NAME in output

    _concluded_batch_went_through_review_and_a_closed_notice()
    _named_products_are_recognised()
    _certificates_are_rendered_and_match()
    _one_revocation_and_the_catalogue_drops_it(client)
    _a_notice_is_public_now_with_objections(client)

    before = _state()
    assert "Recognition: " + demo.CONCLUDED_NAME in _run()
    assert _state() == before


def _concluded_batch_went_through_review_and_a_closed_notice():
    batch = Batch.objects.get(name=demo.CONCLUDED_NAME)
    assert batch.year == 2024 and batch.state == Batch.State.CLOSED and batch.closes_at.year == 2024
    rr = ReviewRound.objects.get(batch=batch)
    assert rr.state == ReviewRound.State.CLOSED and rr.started_at.year == 2024
    assert Proposal.objects.filter(application__batch=batch).count() == len(demo.CONCLUDED)
    [notice] = Notice.objects.filter(batch=batch)
    assert notice.state == Notice.State.CLOSED and notice.ends_at < timezone.now()
    assert timezone.localdate(notice.ends_at).year == 2024
    assert not notice.items.exclude(state=NoticeItem.State.RECOGNISED).exists()
    recs = Recognition.objects.filter(batch=batch)
    assert recs.count() == len(demo.CONCLUDED) >= 15
    assert all(r.decision_number == demo.DECISION_NUMBER and r.decision_date == demo.DECISION_DATE for r in recs)
    assert len({r.city_id for r in recs}) == 11 and len({r.field for r in recs}) == 10
    assert len({r.certificate_number for r in recs}) == recs.count()


def _clawback_login():
    from payouts import demo as payouts_demo

    return payouts_demo.CLAWBACK_LOGIN


def _named_products_are_recognised():
    for login, (word, level) in NAMED.items():
        rec = Recognition.objects.get(batch__name=demo.CONCLUDED_NAME, enterprise__memberships__user__username=login,
                                      product_name__contains=word)
        # 天润's was revoked after its reward was paid (the payouts demo's claw-back).
        clawed = apps.is_installed("payouts") and login == _clawback_login()
        assert rec.status == (Recognition.Status.REVOKED if clawed else Recognition.Status.VALID), login
        if level:
            assert rec.level == level, (login, rec.level)


def _certificates_are_rendered_and_match():
    certificates = Certificate.objects.filter(recognition__batch__name=demo.CONCLUDED_NAME)
    assert certificates.count() == len(demo.CONCLUDED)
    for certificate in certificates:
        assert certificate.state == Certificate.State.READY and certificate.current and certificate.version == 1
        data = storage.resolve(certificate.path).read_bytes()
        assert data.startswith(b"%PDF") and len(data) == certificate.size
        assert hashlib.sha256(data).hexdigest() == certificate.sha256


def _one_revocation_and_the_catalogue_drops_it(client):
    # The recognition demo revokes 衢江's; the payouts demo (when installed) revokes 天润's after its reward was
    # paid (a claw-back). Asserted by certificate number, whatever else runs.
    revoked_numbers = set(Recognition.objects.filter(status=Recognition.Status.REVOKED).values_list(
        "certificate_number", flat=True))
    revoked = Recognition.objects.get(batch__name=demo.CONCLUDED_NAME,
                                      enterprise__memberships__user__username=demo.REVOKED_KEY)
    expected = {revoked.certificate_number}
    if apps.is_installed("payouts"):
        from payouts import demo as payouts_demo

        clawed = Recognition.objects.get(batch__name=demo.CONCLUDED_NAME,
                                         enterprise__memberships__user__username=_clawback_login())
        assert clawed.revocation_document == payouts_demo.CLAWBACK_DOCUMENT
        expected.add(clawed.certificate_number)
    assert revoked_numbers == expected
    assert revoked.status == Recognition.Status.REVOKED
    assert revoked.revocation_reason and revoked.revocation_document == demo.REVOCATION_DOCUMENT
    assert revoked.revoked_at > timezone.make_aware(dt.datetime(2024, 11, 8))
    listed = set(catalogue_queryset().values_list("pk", flat=True))
    assert revoked.pk not in listed
    valid = Recognition.objects.filter(batch__name=demo.CONCLUDED_NAME, status=Recognition.Status.VALID)
    # Within their validity (3 years from 2024-11-08) every other recognition is in the catalogue.
    within = set(catalogue_queryset(today=demo.DECISION_DATE + dt.timedelta(days=365)).values_list("pk", flat=True))
    assert within == set(valid.values_list("pk", flat=True)) and len(within) == len(demo.CONCLUDED) - len(expected)
    page = client.get(f"/verify/{revoked.certificate_number}/")
    assert page.status_code == 200 and "撤销" in page.content.decode()


def _a_notice_is_public_now_with_objections(client):
    now = timezone.now()
    [notice] = Notice.objects.filter(batch__name=demo.CURRENT_NAME)
    assert notice.state == Notice.State.PUBLISHED and notice.starts_at <= now < notice.ends_at
    assert notice.items.count() == len(demo.CURRENT)
    objections = Objection.objects.filter(item__notice=notice)
    [still_open] = objections.filter(state__in=Objection.OPEN)
    assert still_open.tracking_number.startswith("YY") and still_open.content and still_open.evidence_path
    [dismissed] = objections.filter(state=Objection.State.DISMISSED)
    assert dismissed.reply and dismissed.resolved_at <= now
    page = client.get("/notices/")
    assert page.status_code == 200 and notice.title in page.content.decode()
    assert client.get(f"/notices/{notice.pk}/").status_code == 200
