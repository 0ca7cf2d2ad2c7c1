"""Money as the pages show it: yuan with two decimals and thousands separators, or 万元. Registered as template
filters by the apps' tag libraries (insurance, procurement, payouts)."""

from decimal import Decimal

CENT = Decimal("0.01")


def yuan(value):
    """12345.6 → 12,345.60; nothing → —."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value).quantize(CENT):,}"


def wan(value):
    """Yuan → 万元 with two decimals; nothing → —."""
    if value is None or value == "":
        return "—"
    return f"{(Decimal(value) / Decimal(10000)).quantize(CENT):,}"
