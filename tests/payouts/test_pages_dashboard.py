"""The 资金拨付 dashboard page (/payouts/dashboard/), its Excel export, the payout list's Excel export, the bank's
payment list pages, and the staff dashboard's 资金拨付 card."""

import datetime as dt
from io import BytesIO

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.dashboard import dashboard_context
from accounts.models import Region, User
from payouts.dashboard import dashboard_card
from tests.payouts import builders as b

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rows_of(content):
    return [[c.value for c in row] for row in load_workbook(BytesIO(content)).active.iter_rows()]


@pytest.fixture
def data(world):
    today = timezone.localdate()
    world.late = b.reward_payout(b.recognition(world), state="allocated", allocated_on=today - dt.timedelta(days=35))
    world.on_time = b.reward_payout(b.recognition(world, level="provincial"), state="allocated", bank=False)
    world.rejected = b.reward_payout(b.recognition(world, level="international"), state="rejected")
    world.nb = b.reward_payout(b.recognition(world.ent_nb), state="disbursed", rule={"excluded_city_ids": []})
    world.hangzhou = Region.objects.get(code="3301")
    return world


def test_the_province_dashboard(data, client):
    client.force_login(data.finance_user)

    response = client.get(reverse("payout_dashboard"))

    assert response.status_code == 200
    page = response.content.decode()
    t = response.context["t"]
    assert t.province_wide and len(t.by_city) == 11
    for line in t.scope_lines:
        assert line in page
    assert 'data-testid="year-2026"' in page and 'data-testid="by-city"' in page
    assert page.count("<tr data-code=") >= 11 + 3 + 2  # cities, levels, kinds
    assert 'data-testid="budgets"' in page
    assert f'data-payout="{data.late.pk}"' in page and f'data-payout="{data.on_time.pk}"' not in page
    assert response.context["t"].overdue[0].days_overdue == 5
    assert f"{reverse('bank_payment_list')}?city={data.hangzhou.pk}" in page
    # 合计 without the rejected: 100 + 50 (allocated) + 100 (disbursed, 宁波) 万元.
    assert 'data-testid="total-amount">250.00<' in page


def test_the_city_dashboard_and_the_year_filter(data, client):
    client.force_login(data.hz_user)

    response = client.get(reverse("payout_dashboard"), {"year": 2026})

    assert response.status_code == 200
    t = response.context["t"]
    assert [r.label for r in t.by_city] == ["杭州市"] and t.year == 2026
    page = response.content.decode()
    assert "范围：杭州市的拨付，2026年度" in page and 'data-testid="budgets"' not in page
    assert response.context["cities"][0][0] == data.hangzhou

    bad = client.get(reverse("payout_dashboard"), {"year": "二〇二六"})
    assert bad.status_code == 400 and bad.context["t"] is None
    assert 'data-field-error="year"' in bad.content.decode()


@pytest.mark.parametrize("who", ["ent_hz_user", "expert_user"])
def test_no_dashboard_for_an_enterprise(data, client, who):
    client.force_login(getattr(data, who))
    assert client.get(reverse("payout_dashboard")).status_code == 403
    assert client.get(reverse("payout_dashboard_export")).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    for name in ("payout_dashboard", "payout_dashboard_export", "payout_export", "bank_payment_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login" in response["Location"], name


def test_the_dashboard_export(data, client):
    client.force_login(data.province_user)

    response = client.get(reverse("payout_dashboard_export"), {"year": 2026})

    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    texts = [r[0] for r in rows_of(response.content) if r and isinstance(r[0], str)]
    assert texts[0] == "首台（套）资金拨付统计" and any("全省的拨付，2026年度" in t for t in texts)
    bad = client.get(reverse("payout_dashboard_export"), {"year": "1"})
    assert bad.status_code == 400 and "统计范围有误" in bad.content.decode()


def test_the_list_export_with_the_list_s_filters(data, client):
    client.force_login(data.province_user)

    response = client.get(reverse("payout_export"), {"overdue": "true"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = rows_of(response.content)
    assert [r[0] for r in rows[1:]] == [data.late.number]

    bad = client.get(reverse("payout_export"), {"state": "paid"})
    assert bad.status_code == 400 and "筛选条件有误" in bad.content.decode()

    client.force_login(data.ent_nb_user)
    rows = rows_of(client.get(reverse("payout_export")).content)
    assert [r[0] for r in rows[1:]] == [data.nb.number]


def test_the_bank_list_pages(data, client):
    client.force_login(data.hz_user)
    own = client.get(reverse("bank_payment_list"))  # a city bureau: its city, no need to choose
    assert own.status_code == 200 and own["Content-Type"] == XLSX
    rows = rows_of(own.content)
    assert {r[1] for r in rows[3:5]} == {data.late.number, data.on_time.number}
    assert rows[5][1] == "合计"
    assert client.get(reverse("bank_payment_list"), {"city": Region.objects.get(code="3302").pk}).status_code == 403

    client.force_login(data.finance_user)
    choose = client.get(reverse("bank_payment_list"))
    assert choose.status_code == 200 and len(choose.context["cities"]) == 11
    counts = {city.name: n for city, n, _amount in choose.context["cities"]}
    assert counts["杭州市"] == 2 and counts["宁波市"] == 0
    chosen = client.get(reverse("bank_payment_list"), {"city": data.hangzhou.pk})
    assert chosen.status_code == 200 and chosen["Content-Type"] == XLSX
    bad = client.get(reverse("bank_payment_list"), {"city": "abc"})
    assert bad.status_code == 400 and "设区市" in bad.content.decode()

    for who in ("province_user", "ent_hz_user"):
        client.force_login(getattr(data, who))
        assert client.get(reverse("bank_payment_list")).status_code == 403, who
        assert client.get(reverse("bank_payment_list"), {"city": data.hangzhou.pk}).status_code == 403, who


def _dashboard_html(user):
    request = RequestFactory().get(reverse("dashboard"))
    request.user = user
    return render_to_string("accounts/dashboard.html", {**dashboard_context(user), **dashboard_card(user)}, request)


def test_the_staff_dashboard_card(data):
    hz = User.objects.get(pk=data.hz_user.pk)
    assert dashboard_card(hz) == {"payouts_card": {"overdue": 1, "overdue_amount": data.late.amount}}
    html = _dashboard_html(hz)
    assert 'data-testid="payouts-block"' in html and 'data-testid="payouts-overdue">1<' in html
    assert f"{reverse('payout_list')}?overdue=true" in html and reverse("payout_dashboard") in html

    nb = User.objects.get(pk=data.nb_user.pk)
    assert dashboard_card(nb)["payouts_card"]["overdue"] == 0
    assert "没有逾期未拨付企业的资金。" in _dashboard_html(nb)

    enterprise = User.objects.get(pk=data.ent_hz_user.pk)
    assert dashboard_card(enterprise) == {}
    assert 'data-testid="payouts-block"' not in _dashboard_html(enterprise)
