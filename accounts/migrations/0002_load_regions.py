"""Loads the province, its 11 cities and 90 county-level units from accounts/data/regions.csv,
which was extracted from the county table of seed 000 (accounts/seedtable.py; a test keeps them equal)."""

import csv
from pathlib import Path

from django.db import migrations

CSV = Path(__file__).resolve().parent.parent / "data" / "regions.csv"


def load(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    by_code = {}
    with CSV.open(encoding="utf-8") as fh:
        for order, row in enumerate(csv.DictReader(fh)):
            region, _ = Region.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "level": row["level"],
                    "parent": by_code.get(row["parent_code"]),
                    "sort_order": order,
                },
            )
            by_code[row["code"]] = region


def unload(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    for level in ("county", "city", "province"):
        Region.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
