"""`manage.py demo` adds 政府首购: four medical-equipment first purchases of 2025 totalling 11.2 million CNY (as in
2020, domain.md §8), single source with notices that ran and closed, awarded and contracted (one completed, one
signed late), and one purchase in every other state, all through the services; `export_ocds` exports them as a
valid OCDS package; loading again creates nothing."""

import hashlib
import io
import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from certification import storage
from procurement import demo
from procurement.models import Purchase, PurchaseObjection
from procurement.queries import public_purchases
from procurement.services.notices import accepting_objections
from procurement.statistics import first_purchase_statistics
from recognition.demo import CONCLUDED_NAME
from recognition.workdays import notice_period
from tests.factories import ensure_regions
from tests.procurement.ocds_validation import assert_valid_package

pytestmark = pytest.mark.django_db
S = Purchase.State
M = Purchase.Method


def _state():
    counts = {m._meta.label: m.objects.count() for m in apps.get_models() if not m._meta.proxy}
    purchases = list(Purchase.objects.order_by("pk").values_list("number", "state", "created_at", "updated_at"))
    return counts, purchases


def test_demo_first_purchases_every_state_and_ocds_export(client, tmp_path):
    """One test (the whole demo takes a while): the content, the export, then a second load that creates
    nothing."""
    ensure_regions()
    out = io.StringIO()
    call_command("demo", stdout=out)
    output = out.getvalue()
    assert "Procurement (政府首购): 10 purchases" in output and "contracts 11,200,000.00 元" in output
    assert "buyer2" in output and "buyer3" in output

    purchases = {p.state: p for p in demo.demo_purchases().order_by("-pk")}
    assert set(purchases) == set(S.values)
    assert demo.demo_purchases().count() == len(demo.SCENARIOS)
    _medical_first_purchases_of_2025()
    _running_notice_with_objections(purchases[S.NOTICE], client)
    _the_other_states(purchases)
    _documents_match_their_files()
    _exported_as_a_valid_ocds_package(tmp_path)

    before = _state()
    assert demo.load() is False
    assert _state() == before


def _medical_first_purchases_of_2025():
    medical = list(demo.medical_first_purchases().select_related("recognition__batch", "notice", "contract"))
    assert len(medical) == 4
    assert sum(p.contract.amount for p in medical) == Decimal("11200000.00") == demo.MEDICAL_TOTAL
    assert {p.buyer.name for p in medical} == {"浙江大学医学院附属第一医院", "浙江省人民医院"}
    for p in medical:
        rec = p.recognition
        assert rec.field == "medical" and rec.batch.name == CONCLUDED_NAME and p.supplier_id == rec.enterprise_id
        assert p.method == M.SINGLE_SOURCE and p.state in (S.CONTRACTED, S.COMPLETED)
        notice = p.notice
        assert notice.published_at == notice.starts_at and notice.closed_at == notice.ends_at < timezone.now()
        assert notice.ends_at == notice_period(notice.starts_at, 5).ends_at  # 5 working days
        assert notice.experts.count() == 3
        assert timezone.localdate(notice.ends_at) <= p.awarded_on <= p.contract.signed_on
        assert p.awarded_on.year == 2025 and p.number.startswith("SG2025-") and p.created_at.year == 2025
        assert p.created_at < notice.starts_at
        assert rec.valid_from <= p.awarded_on <= rec.valid_until
        assert AuditEvent.objects.filter(action="demo.purchase_backdated", object_id=str(p.pk)).exists()
        assert AuditEvent.objects.filter(action="purchase.notice_published", object_id=str(p.pk)).exists()
    [completed] = [p for p in medical if p.state == S.COMPLETED]
    assert completed.contract.delivered_on and completed.contract.accepted_on
    [late] = [p for p in medical if p.contract.signed_late]
    assert (late.contract.signed_on - late.awarded_on).days > 30
    stats = first_purchase_statistics(year=2025)
    [row] = [r for r in stats.rows if r.field == "medical"]
    assert (row.count, row.amount) == (4, Decimal("11200000.00"))


def _running_notice_with_objections(p, client):
    assert accepting_objections(p) and p.notice.starts_at <= timezone.now() < p.notice.ends_at
    assert p.budget >= settings.PROCUREMENT_TENDER_THRESHOLD
    objections = list(PurchaseObjection.objects.filter(notice=p.notice).order_by("created_at"))
    assert [o.state for o in objections] == ["answered", "open"]
    assert objections[0].justification.text.startswith("经补充论证")
    page = client.get(reverse("public_purchase_detail", kwargs={"pk": p.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert p.title in text and objections[0].justification.text[:20] in text
    assert reverse("public_objection", kwargs={"pk": p.pk}) in text  # the objection form
    assert objections[1].phone not in text and objections[1].name not in text  # objectors stay private


def _the_other_states(purchases):
    pending = purchases[S.PENDING_AWARD]
    assert pending.notice.closed_at == pending.notice.ends_at < timezone.now()
    assert not pending.notice.objections.exists()
    draft = purchases[S.DRAFT]
    assert draft.notice.published_at is None and draft.notice.experts.count() == 3
    cancelled = purchases[S.CANCELLED]
    assert cancelled.cancel_reason and cancelled.notice.published_at and cancelled.notice.closed_at
    awarded = purchases[S.AWARDED]
    assert awarded.method == M.OPEN_TENDER and not hasattr(awarded, "notice")
    assert awarded.awarded_on < timezone.localdate() and not hasattr(awarded, "contract")
    small = demo.demo_purchases().get(
        method=M.SINGLE_SOURCE, budget__lt=settings.PROCUREMENT_TENDER_THRESHOLD, recognition__field="logistics"
    )
    assert small.state == S.CONTRACTED and not hasattr(small, "notice") and not small.contract.signed_late
    assert not public_purchases().filter(pk=draft.pk).exists()


def _documents_match_their_files():
    documents = [doc for p in demo.demo_purchases() for doc in p.documents.all()]
    assert len(documents) >= 6
    for document in documents:
        data = storage.resolve(document.path).read_bytes()
        assert data.startswith(b"%PDF") and len(data) == document.size
        assert hashlib.sha256(data).hexdigest() == document.sha256


def _exported_as_a_valid_ocds_package(tmp_path):
    target = tmp_path / "ocds.json"
    out = io.StringIO()
    call_command("export_ocds", "--output", str(target), stdout=out)
    package = json.loads(target.read_text(encoding="utf-8"))
    assert_valid_package(package)
    public = public_purchases()
    assert out.getvalue().strip() == f"{public.count()} releases written to {target}"
    ocids = {r["ocid"]: r for r in package["releases"]}
    assert set(ocids) == {f"{settings.OCDS_OCID_PREFIX}-{p.number}" for p in public}
    for p in demo.medical_first_purchases():
        release = ocids[f"{settings.OCDS_OCID_PREFIX}-{p.number}"]
        assert release["tender"]["procurementMethod"] == "direct"
        assert release["tender"]["procurementMethodDetails"] == "单一来源采购"
        assert release["contracts"][0]["value"]["amount"] == float(p.contract.amount)
    # The 2025 first purchases alone (--year filters by the creation year).
    call_command("export_ocds", "--output", str(tmp_path / "2025.json"), "--year", "2025", stdout=io.StringIO())
    package_2025 = json.loads((tmp_path / "2025.json").read_text(encoding="utf-8"))
    assert_valid_package(package_2025)
    assert len(package_2025["releases"]) == 4
