"""A reusable OCDS 1.1 validator for the tests: the release package schema of ../shared/data/ocds-1.1.5 (draft 4,
with the package's $ref to the release schema served from the local file through a `referencing` registry, no
network) with date-time and uri formats checked, plus the codelists: every value of a field the schema marks with
"codelist" must be a code of that CSV — for open codelists too, since we use standard codes only — and no null,
empty string, object or array anywhere (OCDS: omit a field rather than send it empty).

    from tests.procurement.ocds_validation import package_errors, release_errors, assert_valid_package
    assert_valid_package(data)         # AssertionError listing every problem
    release_errors(release_dict)       # [] when valid
"""

import csv
import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "ocds-1.1.5"  # ../shared/data/ocds-1.1.5 of the repository
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _load(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _format_checker():
    """jsonschema checks date-time only with rfc3339-validator installed and uri only with rfc3987: both are
    checked here without them (RFC 3339 date-time with a real calendar date and an offset; an absolute URI)."""
    checker = FormatChecker([])

    @checker.checks("date-time", raises=ValueError)
    def date_time(value):
        if not isinstance(value, str):
            return True
        if not RFC3339.fullmatch(value):
            raise ValueError(f"not an RFC 3339 date-time: {value!r}")
        dt.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T").replace("Z", "+00:00"))
        return True

    @checker.checks("uri", raises=ValueError)
    def uri(value):
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        if not parts.scheme or not (parts.netloc or parts.path) or any(c.isspace() for c in value):
            raise ValueError(f"not an absolute URI: {value!r}")
        return True

    return checker


@cache
def validators():
    """(package validator, release validator), both draft 4 with the local registry and the format checker."""
    package_schema = _load("release-package-schema.json")
    release_schema = _load("release-schema.json")
    resource = Resource.from_contents(release_schema, default_specification=DRAFT4)
    registry = Registry().with_resources([(release_schema["id"], resource)])
    checker = _format_checker()
    return (
        Draft4Validator(package_schema, registry=registry, format_checker=checker),
        Draft4Validator(release_schema, registry=registry, format_checker=checker),
    )


@cache
def codelist(name):
    """The codes of one codelist CSV (the "Code" column)."""
    with (DATA / "codelists" / name).open(encoding="utf-8", newline="") as fh:
        return frozenset(row["Code"] for row in csv.DictReader(fh))


def _resolve(schema, root):
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise AssertionError(f"unexpected $ref {ref}")
        node = root
        for part in ref[2:].split("/"):
            node = node[part]
        schema = node
    return schema


def codelist_errors(release):
    """Every coded value of the release (by the schema's "codelist" keyword, closed and open lists alike) that is
    not in its CSV, as "path: value not in file" strings."""
    root = _load_release_schema()
    errors = []

    def walk(value, schema, path):
        schema = _resolve(schema, root)
        if "codelist" in schema and value is not None:
            codes = codelist(schema["codelist"])
            for v in value if isinstance(value, list) else [value]:
                if v not in codes:
                    kind = "open" if schema.get("openCodelist") else "closed"
                    errors.append(f"{path}: {v!r} not in {schema['codelist']} ({kind} codelist)")
            return
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            for key, item in value.items():
                if key in properties:
                    walk(item, properties[key], f"{path}/{key}")
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                walk(item, schema["items"], f"{path}/{i}")

    walk(release, root, "")
    return errors


@cache
def _load_release_schema():
    return _load("release-schema.json")


def empty_errors(value, path=""):
    """Nulls, empty strings, objects and arrays: OCDS asks publishers to omit a field rather than send it empty."""
    if value is None or value == "" or value == {} or value == []:
        return [f"{path or '/'}: empty value {value!r}"]
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in empty_errors(v, f"{path}/{k}")]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in empty_errors(v, f"{path}/{i}")]
    return []


def _schema_errors(validator, data):
    return [
        f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]


def release_errors(release):
    """Schema and codelist problems of one release ([] when valid)."""
    return _schema_errors(validators()[1], release) + codelist_errors(release) + empty_errors(release)


def package_errors(package):
    """Schema problems of a release package and codelist problems of each of its releases ([] when valid)."""
    errors = _schema_errors(validators()[0], package) + empty_errors(package)
    for i, release in enumerate(package.get("releases") or []):
        errors += [f"/releases/{i}{e}" for e in codelist_errors(release)]
    return errors


def assert_valid_release(release):
    errors = release_errors(release)
    assert not errors, "invalid OCDS release:\n" + "\n".join(errors)


def assert_valid_package(package):
    errors = package_errors(package)
    assert not errors, "invalid OCDS release package:\n" + "\n".join(errors)
