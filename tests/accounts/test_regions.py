import csv
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Region
from accounts.seedtable import parse_seed_table

REGIONS_CSV = Path(settings.BASE_DIR) / "accounts" / "data" / "regions.csv"
SEEDS_DIR = Path(settings.BASE_DIR).parent / "shared" / "seeds"
SEED_000 = SEEDS_DIR / "000_f605db6c81ddba87.txt"


def _csv_rows():
    with REGIONS_CSV.open(encoding="utf-8") as fh:
        return [(r["code"], r["name"], r["level"], r["parent_code"]) for r in csv.DictReader(fh)]


@pytest.mark.django_db
def test_regions_migration_loads_one_province_eleven_cities_ninety_counties():
    assert Region.objects.filter(level=Region.Level.PROVINCE).count() == 1
    assert Region.objects.filter(level=Region.Level.CITY).count() == 11
    assert Region.objects.filter(level=Region.Level.COUNTY).count() == 90
    assert Region.objects.count() == 102


@pytest.mark.django_db
def test_regions_every_county_has_a_city_parent_and_every_city_the_province():
    province = Region.objects.get(level=Region.Level.PROVINCE)

    counties = Region.objects.filter(level=Region.Level.COUNTY).select_related("parent")
    cities = Region.objects.filter(level=Region.Level.CITY)

    assert province.code == "33" and province.parent_id is None
    assert all(c.parent is not None and c.parent.level == Region.Level.CITY for c in counties)
    assert all(c.code.startswith(c.parent.code) for c in counties)
    assert set(cities.values_list("parent_id", flat=True)) == {province.pk}
    assert all(city.children.exists() for city in cities)


@pytest.mark.django_db
def test_regions_database_matches_csv_in_order():
    rows = _csv_rows()

    loaded = [
        (r.code, r.name, r.level, r.parent.code if r.parent else "")
        for r in Region.objects.select_related("parent").order_by("sort_order")
    ]

    assert loaded == rows


def test_regions_csv_equals_parsed_seed_table():
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seed directory {SEEDS_DIR} is absent, so the CSV cannot be compared with seed 000")
    expected = parse_seed_table(SEED_000.read_text(encoding="utf-8"))

    rows = _csv_rows()

    assert rows == expected


@pytest.mark.django_db
def test_region_city_and_full_name_for_each_level():
    province = Region.objects.get(code="33")
    hangzhou = Region.objects.get(code="3301")
    binjiang = Region.objects.get(code="330106")

    assert province.city is None
    assert hangzhou.city == hangzhou
    assert binjiang.city == hangzhou
    assert binjiang.full_name == f"{hangzhou.name} {binjiang.name}"
    assert hangzhou.full_name == hangzhou.name
