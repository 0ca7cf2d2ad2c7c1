"""补偿规则 pages: province industry staff see the current version per year, create a year, edit (a new version),
see the history; a refused value is shown next to its field and writes nothing; everyone else gets 404."""

import datetime as dt

import pytest
from django.urls import reverse

from insurance.models import RuleSet
from insurance.services import rules as rule_services
from tests.insurance import builders as b

pytestmark = pytest.mark.django_db


def _post_data(rs, **changes):
    data = {name: getattr(rs, name) for name in rule_services.RULE_FIELDS}
    data = {k: ("on" if v is True else "" if v is False else str(v)) for k, v in data.items()}
    data = {k: v for k, v in data.items() if v != ""}
    data["note"] = ""
    data.update(changes)
    return data


def test_rule_set_list_shows_current_versions(client, world):
    old = b.rule_set(world, 2025)
    current = b.rule_set(world, 2025, rate_cap="0.03")
    client.force_login(world.province_user)
    response = client.get(reverse("rule_set_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-rule-set="{current.pk}"' in html and f'data-rule-set="{old.pk}"' not in html
    assert "3%" in html


def test_rule_set_list_empty_state(client, world):
    client.force_login(world.province_user)
    assert 'data-testid="empty"' in client.get(reverse("rule_set_list")).content.decode()


@pytest.mark.parametrize("user", ["finance_user", "hz_user", "ent_hz_user", "binjiang_user"])
def test_rule_set_pages_hidden_from_others(client, world, user):
    rs = b.rule_set(world, 2025)
    client.force_login(getattr(world, user))
    for url in (reverse("rule_set_list"), reverse("rule_set_new"), reverse("rule_set_detail", args=[rs.pk])):
        assert client.get(url).status_code == 404
    assert client.post(reverse("rule_set_edit", args=[rs.pk]), _post_data(rs, rate_cap="0.5")).status_code == 404
    assert RuleSet.objects.count() == 1


def test_create_year_with_defaults(client, world):
    client.force_login(world.province_user)
    page = client.get(reverse("rule_set_new"))
    assert page.status_code == 200
    data = {"year": "2026", "window_start": "2026-01-01", "window_end": "2026-12-31", "rate_cap": "0.02",
            "ratio_international": "0.9", "ratio_domestic": "0.8", "ratio_provincial": "0.7", "yearly_step": "0.1",
            "yearly_cap": "5000000", "max_years": "3", "first_units": "3", "first_batch_months": "3",
            "first_batch_max_units": "50", "component_months": "12", "exclude_national": "on",
            "exclude_application_reward": "on"}
    response = client.post(reverse("rule_set_new"), data)
    rs = RuleSet.objects.get(year=2026)
    assert response.status_code == 302 and response["Location"] == reverse("rule_set_detail", args=[rs.pk])
    assert rs.version == 1 and rs.current and rs.exclude_national


def test_edit_writes_new_version_and_keeps_history(client, world):
    rs = b.rule_set(world, 2025)
    client.force_login(world.province_user)
    response = client.post(reverse("rule_set_edit", args=[rs.pk]), _post_data(rs, rate_cap="0.03", note="调整费率上限"))
    new = RuleSet.objects.get(year=2025, current=True)
    assert response.status_code == 302 and new.pk != rs.pk and new.version == rs.version + 1
    assert str(new.rate_cap) == "0.0300"
    rs.refresh_from_db()
    assert not rs.current
    html = client.get(reverse("rule_set_detail", args=[new.pk])).content.decode()
    assert f'data-version="{rs.version}"' in html and f'data-version="{new.version}"' in html
    assert "调整费率上限" in html
    old_page = client.get(reverse("rule_set_detail", args=[rs.pk])).content.decode()
    assert 'data-testid="rule-set-edit"' not in old_page


def test_edit_refused_value_next_to_field_nothing_written(client, world):
    rs = b.rule_set(world, 2025)
    client.force_login(world.province_user)
    response = client.post(reverse("rule_set_edit", args=[rs.pk]),
                           _post_data(rs, ratio_domestic="1.5", window_end=str(dt.date(2024, 1, 1))))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field-error="ratio_domestic"' in html and 'data-field-error="window_end"' in html
    assert RuleSet.objects.filter(year=2025).count() == 1


def test_edit_of_old_version_refused(client, world):
    rs = b.rule_set(world, 2025)
    b.rule_set(world, 2025)
    client.force_login(world.province_user)
    response = client.post(reverse("rule_set_edit", args=[rs.pk]), _post_data(rs, rate_cap="0.03"))
    assert response.status_code == 400
    assert "现行版本" in response.content.decode()
    assert RuleSet.objects.filter(year=2025).count() == 2
