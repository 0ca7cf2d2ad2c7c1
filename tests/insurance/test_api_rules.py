"""The rule-set API: everyone signed in reads; province industry staff create a year and change it (a new
version each time, the history kept); bad values name the field and write nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insurance.models import RuleSet
from tests.insurance import builders as b

API = "/api/v1/insurance/rule-sets/"
JSON = "application/json"

pytestmark = pytest.mark.django_db


def _post(client, data):
    return client.post(API, data, content_type=JSON)


def _patch(client, pk, data):
    return client.patch(f"{API}{pk}/", data, content_type=JSON)


def test_anonymous_gets_401(client):
    assert client.get(API).status_code == 401
    assert _post(client, {"year": 2030}).status_code == 401


def test_province_creates_a_year_with_the_defaults_and_a_second_post_returns_it(world, client):
    client.force_login(world.province_user)

    first = _post(client, {"year": 2030, "note": "2030年度规则"})
    again = _post(client, {"year": 2030})

    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["version"] == 1 and body["current"] is True
    assert body["window_start"] == "2030-01-01" and body["window_end"] == "2030-12-31"
    assert Decimal(body["rate_cap"]) == Decimal("0.02") and Decimal(body["ratio_international"]) == Decimal("0.9")
    assert Decimal(body["yearly_cap"]) == Decimal("5000000") and body["max_years"] == 3
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert RuleSet.objects.filter(year=2030).count() == 1


def test_a_change_writes_a_new_version_and_keeps_the_history(world, client):
    old = b.rule_set(world, 2031)
    client.force_login(world.province_user)

    response = _patch(client, old.pk, {"rate_cap": "0.03", "note": "提高费率上限"})

    assert response.status_code == 200, response.json()
    new = response.json()
    assert new["id"] != old.pk and new["version"] == old.version + 1 and new["current"] is True
    assert Decimal(new["rate_cap"]) == Decimal("0.03")
    old.refresh_from_db()
    assert old.current is False and old.rate_cap == Decimal("0.02")
    history = client.get(f"{API}{old.pk}/history/").json()
    assert [(r["version"], r["current"]) for r in history] == [(2, True), (1, False)]
    current = client.get(f"{API}current/", {"year": 2031}).json()
    assert current["id"] == new["id"]
    # An edit on the old version is refused (not merged).
    stale = _patch(client, old.pk, {"rate_cap": "0.04"})
    assert stale.status_code == 400 and RuleSet.objects.filter(year=2031).count() == 2


def test_everyone_signed_in_reads_the_rules_with_filters(world, client):
    b.rule_set(world, 2032)
    b.rule_set(world, 2032, rate_cap=Decimal("0.03"))
    b.rule_set(world, 2033)
    client.force_login(world.ent_hz_user)

    all_2032 = client.get(API, {"year": 2032}).json()["results"]
    current = client.get(API, {"year": 2032, "current": "true"}).json()["results"]

    assert [r["version"] for r in all_2032] == [2, 1]
    assert [r["version"] for r in current] == [2]
    assert client.get(f"{API}current/", {"year": 2033}).status_code == 200
    assert client.get(f"{API}current/", {"year": 2040}).status_code == 404
    missing = client.get(f"{API}current/")
    assert missing.status_code == 400 and "year" in missing.json()["error"]["fields"]


@pytest.mark.parametrize("who", ["ent_hz_user", "hz_user", "finance_user", "regulator_user"])
def test_only_province_industry_staff_write_rules(world, client, who):
    rs = b.rule_set(world, 2034)
    client.force_login(getattr(world, who))

    assert _post(client, {"year": 2035}).status_code == 403
    assert _patch(client, rs.pk, {"rate_cap": "0.03"}).status_code == 403
    assert RuleSet.objects.filter(year__in=[2034, 2035]).count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"rate_cap": "1.5"}, "rate_cap"),
        ({"ratio_domestic": "-0.1"}, "ratio_domestic"),
        ({"max_years": 11}, "max_years"),
        ({"first_units": 0}, "first_units"),
        ({"yearly_cap": "abc"}, "yearly_cap"),
        ({"window_start": "2036-06-01", "window_end": "2036-01-01"}, "window_end"),
        ({"window_start": "2036-13-01"}, "window_start"),
    ],
)
def test_bad_values_name_the_field_and_write_nothing(world, client, data, field):
    rs = b.rule_set(world, 2036)
    client.force_login(world.province_user)

    created = _post(client, {"year": 2037, **data})
    changed = _patch(client, rs.pk, data)

    for response in (created, changed):
        assert response.status_code == 400, response.json()
        error = response.json()["error"]
        assert error["code"] == "invalid" and field in error["fields"]
    assert not RuleSet.objects.filter(year=2037).exists()
    assert RuleSet.objects.filter(year=2036).count() == 1


def test_an_empty_change_is_refused(world, client):
    rs = b.rule_set(world, 2038)
    client.force_login(world.province_user)

    response = _patch(client, rs.pk, {})

    assert response.status_code == 400 and RuleSet.objects.filter(year=2038).count() == 1


def test_a_missing_rule_set_is_404(world, client):
    client.force_login(world.province_user)
    assert _patch(client, 999999, {"rate_cap": "0.03"}).status_code == 404
    assert client.get(f"{API}999999/history/").status_code == 404


def test_the_window_is_kept_through_a_change(world, client):
    rs = b.rule_set(world, 2039, window_start=dt.date(2039, 3, 1), window_end=dt.date(2040, 2, 28))
    client.force_login(world.province_user)

    new = _patch(client, rs.pk, {"max_years": 2}).json()

    assert (new["window_start"], new["window_end"], new["max_years"]) == ("2039-03-01", "2040-02-28", 2)


def test_the_list_queries_do_not_grow_with_its_length(world, client):
    b.rule_set(world, 2041)
    client.force_login(world.ent_hz_user)
    client.get(API)
    with CaptureQueriesContext(connection) as one:
        assert client.get(API).json()["count"] == 1
    for year in range(2042, 2050):
        b.rule_set(world, year)
        b.rule_set(world, year, rate_cap=Decimal("0.03"))

    with CaptureQueriesContext(connection) as many:
        assert client.get(API).json()["count"] == 17

    assert len(many.captured_queries) == len(one.captured_queries)
