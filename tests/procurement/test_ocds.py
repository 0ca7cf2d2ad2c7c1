"""OCDS 1.1 export of 政府首购 (procurement/ocds.py): every state gives a release and a package that validate against
../shared/data/ocds-1.1.5 (schema and codelists, tests/procurement/ocds_validation.py), and the mapping of the issue
(single source → direct 单一来源采购, parties with roles and CN-USCC identifiers, configurable ocid prefix)."""

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from procurement import ocds
from procurement.models import Purchase
from procurement.queries import public_purchases
from procurement.services import awards, objections, purchases
from tests import factories as f
from tests.procurement.builders import EXPERTS, NOTICE_FIELDS, buyer_org, buyer_user, purchase, recognition_for
from tests.procurement.ocds_validation import (
    assert_valid_package,
    assert_valid_release,
    package_errors,
    release_errors,
)

S = Purchase.State
PUBLIC_STATES = [S.NOTICE, S.PENDING_AWARD, S.AWARDED, S.CONTRACTED, S.COMPLETED]


@pytest.fixture
def buyer(world):
    org = buyer_org(name="浙江省人民医院")
    org.contact_name, org.contact_phone, org.contact_email = "张老师", "0571-85890000", "sbc@example.com"
    org.save()
    return buyer_user(org)


@pytest.fixture
def rec(world):
    return recognition_for(world.ent_hz)


def _cancelled_after_notice(user, rec):
    p = purchase(user, rec, state=S.NOTICE)
    purchases.cancel_purchase(actor=user, purchase_id=p.pk, reason="采购需求发生变化，终止本次采购。")
    return Purchase.objects.get(pk=p.pk)


def _objected_and_justified(user, rec):
    p = purchase(user, rec, state=S.NOTICE)
    o = objections.submit_objection(
        purchase_id=p.pk, name="赵六", phone="13800000001", content="另有厂家能生产。", email="zhao@example.com"
    )
    objections.add_justification(
        actor=user,
        purchase_id=p.pk,
        text="经补充论证，其他厂家产品未获首台（套）认定。",
        objection_ids=[o.pk],
        experts="孙七（浙江大学，教授）",
    )
    return Purchase.objects.get(pk=p.pk)


# --- every state validates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.DRAFT, *PUBLIC_STATES, S.CANCELLED])
def test_every_state_gives_a_valid_release_and_package(buyer, rec, state):
    p = purchase(buyer, rec, state=state)

    r = ocds.release(p)
    package = ocds.release_package([p])

    assert_valid_release(r)
    assert_valid_package(package)
    assert r["ocid"] == f"ocds-zjsgtt-{p.number}"
    assert package["releases"] == [r]


def test_tags_and_statuses_follow_the_stages_reached(buyer, rec):
    expected = {
        S.DRAFT: (["planning"], "planning"),
        S.NOTICE: (["tender"], "active"),
        S.PENDING_AWARD: (["tender"], "active"),
        S.AWARDED: (["tender", "award"], "complete"),
        S.CONTRACTED: (["tender", "award", "contract"], "complete"),
        S.COMPLETED: (["tender", "award", "contract", "implementation"], "complete"),
    }
    for state, (tags, status) in expected.items():
        r = ocds.release(purchase(buyer, rec, state=state))
        assert (r["tag"], r["tender"]["status"]) == (tags, status), state
        assert ("awards" in r) == (state in ocds.AWARDED)
        assert ("contracts" in r) == (state in ocds.SIGNED)


def test_draft_is_not_public_and_a_cancelled_draft_neither(buyer, rec):
    draft = purchase(buyer, rec, state=S.DRAFT)
    cancelled_draft = purchase(buyer, rec, state=S.CANCELLED)

    assert not public_purchases().filter(pk__in=[draft.pk, cancelled_draft.pk]).exists()
    assert ocds.release(cancelled_draft)["tag"] == ["tenderCancellation"]


def test_cancelled_after_the_notice(buyer, rec):
    p = _cancelled_after_notice(buyer, rec)

    r = ocds.release(p)

    assert_valid_release(r)
    assert public_purchases().filter(pk=p.pk).exists()
    assert r["tag"] == ["tender", "tenderCancellation"]
    assert r["tender"]["status"] == "cancelled"
    cancellation = [d for d in r["tender"]["documents"] if d["documentType"] == "cancellationDetails"]
    assert cancellation == [
        {
            "id": "cancellation",
            "documentType": "cancellationDetails",
            "title": "终止理由",
            "description": "采购需求发生变化，终止本次采购。",
            "language": "zh",
        }
    ]
    assert "awards" not in r


def test_objection_and_supplementary_justification(buyer, rec):
    p = _objected_and_justified(buyer, rec)

    r = ocds.release(p)

    assert_valid_release(r)
    (doc,) = [d for d in r["tender"]["documents"] if d["documentType"] == "complaints"]
    assert (
        doc["description"]
        == "经补充论证，其他厂家产品未获首台（套）认定。\n参与补充论证的专业人员：孙七（浙江大学，教授）"
    )
    assert doc["url"].endswith(f"/procurement/public/{p.pk}/")
    # The objector is never published.
    text = json.dumps(r, ensure_ascii=False)
    assert "赵六" not in text and "13800000001" not in text and "zhao@example.com" not in text


def test_the_release_id_changes_with_each_published_change(buyer, rec):
    p = purchase(buyer, rec, state=S.NOTICE)
    first = ocds.release(p)
    o = objections.submit_objection(purchase_id=p.pk, name="赵六", phone="13800000001", content="异议。")
    assert ocds.release(Purchase.objects.get(pk=p.pk))["id"] == first["id"]  # objections are not published

    objections.add_justification(actor=buyer, purchase_id=p.pk, text="补充论证。", objection_ids=[o.pk])
    justified = ocds.release(Purchase.objects.get(pk=p.pk))

    assert justified["id"] != first["id"]
    assert justified["date"] >= first["date"]
    assert justified["ocid"] == first["ocid"]


def test_delivery_alone_adds_implementation(buyer, rec):
    p = purchase(buyer, rec, state=S.CONTRACTED)
    before = ocds.release(p)
    awards.record_delivery(actor=buyer, purchase_id=p.pk, delivered_on=timezone.localdate())

    r = ocds.release(Purchase.objects.get(pk=p.pk))

    assert_valid_release(r)
    assert r["tag"] == ["tender", "award", "contract", "implementation"]
    assert r["id"] != before["id"]
    (contract,) = r["contracts"]
    assert contract["status"] == "active"
    assert contract["implementation"]["milestones"] == [
        {
            "id": "delivery",
            "title": "交付",
            "type": "delivery",
            "status": "met",
            "dateMet": f"{timezone.localdate():%Y-%m-%d}T00:00:00+08:00",
        }
    ]


# --- the mapping ---------------------------------------------------------------------------------------------


def test_single_source_maps_to_direct_with_the_notice_and_experts(buyer, rec):
    p = purchase(buyer, rec, state=S.PENDING_AWARD)
    notice = p.notice

    tender = ocds.release(p)["tender"]

    assert tender["procurementMethod"] == "direct"
    assert tender["procurementMethodDetails"] == "单一来源采购"
    rationale = tender["procurementMethodRationale"]
    assert NOTICE_FIELDS["reason"] in rationale and NOTICE_FIELDS["justification"] in rationale
    for e in EXPERTS:
        assert f"{e['name']}（{e['employer']}，{e['title']}）" in rationale
    assert tender["tenderPeriod"] == {
        "startDate": timezone.localtime(notice.starts_at).isoformat(timespec="seconds"),
        "endDate": timezone.localtime(notice.ends_at).isoformat(timespec="seconds"),
    }
    assert tender["tenderers"] == [{"id": f"CN-USCC-{rec.enterprise.uscc}", "name": rec.enterprise.name}]
    assert tender["numberOfTenderers"] == 1
    (doc,) = tender["documents"]
    assert doc["documentType"] == "tenderNotice"
    assert doc["url"] == f"http://127.0.0.1:8000/procurement/public/{p.pk}/"
    assert tender["items"] == [
        {
            "id": rec.certificate_number,
            "description": f"{rec.product_name} {rec.model_spec}",
            "quantity": 1,
            "unit": {"name": "台"},
        }
    ]


@pytest.mark.parametrize(
    ("method", "details", "code", "expected_details"),
    [
        ("open_tender", "", "open", "公开招标"),
        ("other", "竞争性谈判", "limited", "竞争性谈判"),
    ],
)
def test_other_methods(buyer, rec, method, details, code, expected_details):
    p = purchase(buyer, rec, state=S.AWARDED, method=method, method_details=details, budget=Decimal("800000.50"))

    r = ocds.release(p)

    assert_valid_release(r)
    assert_valid_package(ocds.release_package([p]))
    tender = r["tender"]
    assert (tender["procurementMethod"], tender["procurementMethodDetails"]) == (code, expected_details)
    assert "procurementMethodRationale" not in tender and "tenderPeriod" not in tender
    assert "tenderers" not in tender
    assert tender["value"] == {"amount": 800000.5, "currency": "CNY"}
    assert [d["documentType"] for d in r["awards"][0]["documents"]] == ["awardNotice"]


def test_parties_with_roles_and_cn_uscc_identifiers(world, buyer, rec):
    p = purchase(buyer, rec, state=S.AWARDED)
    org, enterprise = p.buyer, world.ent_hz

    r = ocds.release(p)

    buyer_party, supplier_party = r["parties"]
    assert buyer_party == {
        "id": f"CN-USCC-{org.uscc}",
        "name": "浙江省人民医院",
        "identifier": {"scheme": "CN-USCC", "id": org.uscc, "legalName": "浙江省人民医院"},
        "address": {"region": "浙江省", "locality": "杭州市", "countryName": "中国"},
        "contactPoint": {"name": "张老师", "telephone": "0571-85890000", "email": "sbc@example.com"},
        "roles": ["buyer", "procuringEntity"],
    }
    assert supplier_party == {
        "id": f"CN-USCC-{enterprise.uscc}",
        "name": enterprise.name,
        "identifier": {"scheme": "CN-USCC", "id": enterprise.uscc, "legalName": enterprise.name},
        "address": {"region": "浙江省", "locality": "杭州市滨江区", "countryName": "中国"},
        "roles": ["tenderer", "supplier"],
    }
    assert r["buyer"] == {"id": f"CN-USCC-{org.uscc}", "name": "浙江省人民医院"}
    assert r["tender"]["procuringEntity"] == r["buyer"]
    assert r["awards"][0]["suppliers"] == [{"id": f"CN-USCC-{enterprise.uscc}", "name": enterprise.name}]


def test_before_the_award_the_supplier_is_only_the_proposed_tenderer(buyer, rec):
    r = ocds.release(purchase(buyer, rec, state=S.NOTICE))

    assert r["parties"][1]["roles"] == ["tenderer"]


def test_award_and_contract_values_are_numbers(buyer, rec):
    p = purchase(buyer, rec, state=S.COMPLETED, budget=Decimal("2800000.00"))
    today = timezone.localdate()

    r = ocds.release(p)

    assert r["planning"]["budget"]["amount"] == {"amount": 2800000, "currency": "CNY"}
    (award,) = r["awards"]
    assert award["value"] == {"amount": 2800000, "currency": "CNY"} and award["status"] == "active"
    assert award["date"] == f"{today:%Y-%m-%d}T00:00:00+08:00"
    (contract,) = r["contracts"]
    assert contract["id"] == f"HT-{p.number}" and contract["awardID"] == award["id"]
    assert contract["value"] == {"amount": 2800000, "currency": "CNY"}
    assert contract["status"] == "terminated"
    assert [(m["type"], m["status"]) for m in contract["implementation"]["milestones"]] == [
        ("delivery", "met"),
        ("approval", "met"),
    ]
    for value in (award["value"]["amount"], contract["value"]["amount"], r["tender"]["value"]["amount"]):
        assert isinstance(value, int | float)


def test_ocid_prefix_and_publisher_are_settings(buyer, rec):
    p = purchase(buyer, rec, state=S.NOTICE)

    with override_settings(
        OCDS_OCID_PREFIX="ocds-abc123", OCDS_PUBLISHER_NAME="某省经信厅", SITE_URL="https://sgtt.example.gov.cn"
    ):
        package = ocds.release_package([p])

    assert_valid_package(package)
    assert package["releases"][0]["ocid"] == f"ocds-abc123-{p.number}"
    assert ocds.ocid(p) == f"ocds-zjsgtt-{p.number}"
    assert package["publisher"] == {"name": "某省经信厅"}
    assert package["version"] == "1.1"
    assert package["uri"] == f"https://sgtt.example.gov.cn/api/v1/procurement/purchases/{p.pk}/ocds/"
    assert package["releases"][0]["tender"]["documents"][0]["url"] == (
        f"https://sgtt.example.gov.cn/procurement/public/{p.pk}/"
    )


# --- the streamed package ------------------------------------------------------------------------------------


def _public_mix(buyer, rec):
    made = [purchase(buyer, rec, state=s) for s in PUBLIC_STATES]
    made.append(_cancelled_after_notice(buyer, rec))
    made.append(_objected_and_justified(buyer, rec))
    made.append(
        purchase(buyer, rec, state=S.AWARDED, method="other", method_details="竞争性磋商", budget=Decimal("300000"))
    )
    made.append(purchase(buyer, rec, state=S.CONTRACTED, method="open_tender"))
    purchase(buyer, rec, state=S.DRAFT)
    purchase(buyer, rec, state=S.CANCELLED)
    return made


def test_the_streamed_package_parses_and_validates(buyer, rec):
    made = _public_mix(buyer, rec)

    stream = ocds.stream_package(public_purchases(), uri="https://example.org/ocds.json", chunk_size=2)
    chunks = list(stream)
    package = json.loads("".join(chunks))

    assert_valid_package(package)
    assert stream.count == len(made) == len(package["releases"])
    assert [r["ocid"] for r in package["releases"]] == [ocds.ocid(p) for p in sorted(made, key=lambda p: p.pk)]
    assert package["releases"] == [ocds.release(p) for p in sorted(made, key=lambda p: p.pk)]
    assert package["uri"] == "https://example.org/ocds.json"
    latest = max(ocds.last_change(p) for p in made)
    assert package["publishedDate"] == timezone.localtime(latest).isoformat(timespec="seconds")


def test_the_stream_reads_in_chunks_with_a_constant_number_of_queries_per_chunk(buyer, rec):
    for _ in range(3):
        _objected_and_justified(buyer, rec)

    def queries(chunk_size):
        with CaptureQueriesContext(connection) as captured:
            list(ocds.stream_package(public_purchases(), uri="https://example.org/p.json", chunk_size=chunk_size))
        return len(captured.captured_queries)

    # last change + regions + per chunk (purchases on SQLite read at once; experts; justifications)
    assert queries(100) == queries(50)
    assert queries(1) > queries(100)
    assert queries(100) <= 5


def test_the_stream_publishes_a_given_date_and_small_buffers(buyer, rec):
    purchase(buyer, rec, state=S.AWARDED, method="open_tender")
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

    stream = ocds.PackageStream(
        public_purchases(), uri="https://example.org/p.json", published_date=when, buffer_size=10
    )
    chunks = list(stream)

    assert len(chunks) >= 2
    package = json.loads("".join(chunks))
    assert package["publishedDate"] == "2026-01-02T11:04:05+08:00"
    assert_valid_package(package)


# --- the validator itself ---------------------------------------------------------------------------------------


def test_the_validator_refuses_a_broken_release(buyer, rec):
    good = ocds.release(purchase(buyer, rec, state=S.CONTRACTED))
    assert release_errors(good) == []

    bad = copy.deepcopy(good)
    bad["tender"]["procurementMethod"] = "single_source"
    bad["tender"]["documents"][0]["documentType"] = "publicNotice"  # open codelist, but not a standard code
    bad["parties"][0]["roles"].append("purchaser")
    bad["contracts"][0]["value"]["amount"] = "5000000"
    bad["awards"][0]["date"] = "2026-02-30T00:00:00+08:00"
    bad["planning"]["budget"]["project"] = ""

    errors = release_errors(bad)

    joined = "\n".join(errors)
    assert "'single_source' is not one of" in joined  # the schema's enum
    assert "/tender/procurementMethod: 'single_source' not in method.csv (closed codelist)" in joined
    assert "/tender/documents/0/documentType: 'publicNotice' not in documentType.csv (open codelist)" in joined
    assert "/parties/0/roles: 'purchaser' not in partyRole.csv (open codelist)" in joined
    assert "/contracts/0/value/amount: '5000000' is not of type" in joined
    assert "/awards/0/date: '2026-02-30T00:00:00+08:00' is not a 'date-time'" in joined
    assert "/planning/budget/project: empty value ''" in joined
    with pytest.raises(AssertionError):
        assert_valid_release(bad)
    with pytest.raises(AssertionError):
        assert_valid_package({**ocds.release_package([]), "releases": [bad]})


def test_the_validator_refuses_an_empty_package():
    package = {
        "uri": "https://example.org/p.json",
        "version": "1.1",
        "publishedDate": "2026-01-01T00:00:00Z",
        "publisher": {"name": "x"},
        "releases": [],
    }

    assert any("/releases" in e for e in package_errors(package))


def test_regions_of_a_province_level_buyer(world, rec):
    org = buyer_org(name="浙江省财政厅政府采购中心", region=f.region("33"))
    p = purchase(buyer_user(org, username="buyer_prov"), rec, state=S.NOTICE)

    r = ocds.release(p)

    assert r["parties"][0]["address"] == {"region": "浙江省", "countryName": "中国"}
    assert_valid_release(r)
