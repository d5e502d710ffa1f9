"""Kubernetes quantities (``8Gi``, ``500m``, ``1.5k``, ``2e3``) as the whole numbers the scorers take.

The scorers work in the units the scheduler's log prints: cpu in millicores, memory and every other
resource in its base unit. So for cpu a bare number and the ``m`` suffix both mean millicores (``4000``
= ``4000m`` = 4 cores); other suffixes multiply (``4k`` = 4000 millicores). For other resources the
usual meaning holds (``8Gi`` = 8589934592, ``100m`` of memory is not a whole number and is refused).
"""

from __future__ import annotations

import re
from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": Fraction(1),
            "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
            "P": Fraction(10**15), "E": Fraction(10**18)}
_QUANTITY = re.compile(r"^(?P<num>\d+(?:\.\d*)?|\.\d+)(?:(?P<exp>[eE][+-]?\d+)|(?P<suffix>[KMGTPE]i|[numkMGTPE]))?$")
MILLI_UNIT_RESOURCES = frozenset({"cpu"})


class QuantityError(ValueError):
    """Text that is not a non-negative Kubernetes quantity, or not a whole number in the resource's unit."""


def parse_quantity(text: str, resource: str = "") -> int:
    """The amount ``text`` stands for, in the log's unit for ``resource`` (millicores for cpu)."""
    m = _QUANTITY.match(text.strip())
    if not m:
        raise QuantityError(f"{resource or 'quantity'}={text!r} is not a quantity (e.g. 4000, 500m, 8Gi, 1.5k)")
    value = Fraction(m["num"])
    if m["exp"]:
        value *= Fraction(10) ** int(m["exp"][1:])
    suffix = m["suffix"] or ""
    if resource in MILLI_UNIT_RESOURCES and suffix == "m":
        suffix = ""  # the unit is already the millicore
    value *= _BINARY[suffix] if suffix in _BINARY else _DECIMAL[suffix]
    if value.denominator != 1:
        unit = "millicores" if resource in MILLI_UNIT_RESOURCES else "units"
        raise QuantityError(f"{resource or 'quantity'}={text!r} is not a whole number of {unit}")
    return int(value)


def parse_amounts(items: list[str] | None, what: str) -> dict[str, int]:
    """``["cpu=4000,memory=8Gi", "nvidia.com/gpu=2"]`` -> {resource: amount}; QuantityError when malformed."""
    out: dict[str, int] = {}
    for item in items or []:
        for part in filter(None, (p.strip() for p in item.split(","))):
            name, sep, value = part.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise QuantityError(f"{what} {part!r}: expected RESOURCE=QUANTITY, e.g. cpu=4000,memory=8Gi")
            out[name.strip()] = parse_quantity(value, name.strip())
    return out
