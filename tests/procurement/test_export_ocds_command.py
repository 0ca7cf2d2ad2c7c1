"""manage.py export_ocds: every public purchase as one OCDS 1.1 release package file."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from procurement.models import Purchase
from tests.procurement.builders import buyer_org, buyer_user, purchase, recognition_for
from tests.procurement.ocds_validation import assert_valid_package

S = Purchase.State


@pytest.fixture
def buyer(world):
    return buyer_user(buyer_org())


@pytest.fixture
def rec(world):
    return recognition_for(world.ent_hz)


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("export_ocds", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_writes_a_valid_package_of_the_public_purchases(buyer, rec, tmp_path):
    public = [purchase(buyer, rec, state=s) for s in (S.NOTICE, S.PENDING_AWARD, S.AWARDED, S.COMPLETED)]
    purchase(buyer, rec, state=S.DRAFT)
    target = tmp_path / "out" / "ocds.json"

    out, _err = _run("--output", str(target))

    package = json.loads(target.read_text(encoding="utf-8"))
    assert_valid_package(package)
    assert sorted(r["ocid"] for r in package["releases"]) == sorted(f"ocds-zjsgtt-{p.number}" for p in public)
    assert out.strip() == f"4 releases written to {target}"
    assert list(target.parent.iterdir()) == [target]  # the temporary file is gone


def test_default_file_under_var_ocds(buyer, rec, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    purchase(buyer, rec, state=S.AWARDED, method="open_tender")

    out, _err = _run()

    target = tmp_path / "ocds" / f"ocds-{timezone.localdate():%Y-%m-%d}.json"
    assert out.strip() == f"1 release written to {target}"
    assert_valid_package(json.loads(target.read_text(encoding="utf-8")))


def test_year_filter_and_nothing_to_export(buyer, rec, tmp_path):
    p = purchase(buyer, rec, state=S.AWARDED)
    year = p.created_at.year
    target = tmp_path / "ocds.json"

    out, _err = _run("--output", str(target), "--year", str(year))
    package = json.loads(target.read_text(encoding="utf-8"))
    assert [r["ocid"] for r in package["releases"]] == [f"ocds-zjsgtt-{p.number}"]
    assert package["uri"].endswith(f"?year={year}")

    empty = tmp_path / "empty.json"
    out, err = _run("--output", str(empty), "--year", str(year - 5))
    assert not empty.exists() and out == ""
    assert "nothing written" in err

    with pytest.raises(CommandError):
        _run("--year", "1990")
