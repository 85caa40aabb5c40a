"""Kinds of branch and the people in them: age, sex, size, education, occupation, dues.

A branch of the demo has a *kind* (village, community, government, retired, teacher, student,
hospital, soe, private, joint, temporary) that decides its unit category, its founding years,
its size and the profile of its members. The draws here are pure functions of a
`random.Random`, so that the planner and the provincial-scale bench (`bench/province.py`) draw
the same mix from the same source.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from dangwu.orgs.models import UnitCategory

# Member profile of each kind of branch: age (mean, sd, low, high) and share of women.
PROFILES: dict[str, tuple[tuple[float, float, int, int], float]] = {
    "village": ((55, 14, 22, 92), 0.18),
    "community": ((56, 16, 22, 95), 0.38),
    "government": ((42, 9, 23, 59), 0.30),
    "retired": ((72, 7, 60, 95), 0.25),
    "teacher": ((41, 10, 23, 60), 0.48),
    "student": ((21, 1.2, 19, 24), 0.50),
    "hospital": ((40, 9, 24, 60), 0.55),
    "soe": ((41, 10, 22, 60), 0.22),
    "private": ((36, 8, 22, 58), 0.25),
    "joint": ((38, 9, 22, 60), 0.25),
    "temporary": ((40, 8, 24, 58), 0.08),
}
# Relative size of a branch of each kind (members are spread by these weights).
SIZE_WEIGHT = {"village": 1.6, "community": 1.4, "government": 0.8, "retired": 1.3, "teacher": 1.0,
               "student": 1.5, "hospital": 1.2, "soe": 1.1, "private": 0.5, "joint": 0.6, "temporary": 0.6}
UNIT_OF_KIND = {
    "village": UnitCategory.VILLAGE, "community": UnitCategory.COMMUNITY, "government": UnitCategory.GOVERNMENT,
    "retired": UnitCategory.GOVERNMENT, "teacher": UnitCategory.SCHOOL, "student": UnitCategory.SCHOOL,
    "hospital": UnitCategory.HOSPITAL, "soe": UnitCategory.STATE_ENTERPRISE,
    "private": UnitCategory.PRIVATE_ENTERPRISE, "joint": UnitCategory.PRIVATE_ENTERPRISE,
    "temporary": UnitCategory.STATE_ENTERPRISE,
}
# The years in which a branch of each kind was founded (a day soon after its parent, if later).
FOUNDED_YEARS = {"village": (1950, 1985), "community": (2000, 2016), "government": (1980, 2010),
                 "retired": (1995, 2012), "teacher": (1980, 2012), "student": (2005, 2020),
                 "hospital": (1985, 2012), "soe": (1995, 2018), "private": (2008, 2023),
                 "joint": (2012, 2023), "temporary": (2022, 2025)}


def pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    """One value of `(value, weight)` pairs."""
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def education(rng: random.Random, kind: str, age: int) -> str:
    table: list[tuple[str, float]]
    if kind == "student":
        table = [("undergraduate", 85), ("postgraduate", 15 if age >= 22 else 0)]
    elif kind == "teacher":
        table = ([("undergraduate", 50), ("junior_college", 35), ("secondary_vocational", 15)] if age >= 50
                 else [("postgraduate", 20), ("undergraduate", 65), ("junior_college", 15)])
    elif kind == "hospital":
        table = [("postgraduate", 20), ("undergraduate", 50), ("junior_college", 25), ("secondary_vocational", 5)]
    elif kind == "government":
        table = ([("undergraduate", 45), ("junior_college", 35), ("secondary_vocational", 10), ("high_school", 10)]
                 if age >= 50 else [("postgraduate", 15), ("undergraduate", 65), ("junior_college", 15),
                                    ("high_school", 5)])
    elif kind == "retired":
        table = [("undergraduate", 20), ("junior_college", 25), ("secondary_vocational", 20), ("high_school", 20),
                 ("junior_high", 10), ("primary", 5)]
    elif kind == "village":
        table = ([("primary", 30), ("junior_high", 45), ("high_school", 20), ("secondary_vocational", 5)]
                 if age >= 60 else
                 [("junior_high", 40), ("high_school", 35), ("secondary_vocational", 10), ("junior_college", 10),
                  ("undergraduate", 5)] if age >= 40 else
                 [("high_school", 25), ("secondary_vocational", 15), ("junior_college", 35), ("undergraduate", 25)])
    elif kind == "community":
        table = ([("primary", 10), ("junior_high", 30), ("high_school", 30), ("secondary_vocational", 15),
                  ("junior_college", 10), ("undergraduate", 5)] if age >= 60 else
                 [("high_school", 15), ("secondary_vocational", 10), ("junior_college", 35), ("undergraduate", 35),
                  ("postgraduate", 5)])
    else:
        table = ([("junior_high", 10), ("high_school", 25), ("secondary_vocational", 20), ("junior_college", 25),
                  ("undergraduate", 20)] if age >= 45 else
                 [("high_school", 10), ("secondary_vocational", 10), ("junior_college", 30), ("undergraduate", 45),
                  ("postgraduate", 5)])
    return pick(rng, table)


def occupation(rng: random.Random, kind: str, age: int) -> str:
    if kind == "village":
        if age >= 60:
            return pick(rng, [("farmer", 75), ("retired", 25)])
        return pick(rng, [("farmer", 75), ("self_employed", 10), ("employed", 7), ("unemployed", 3),
                          ("other", 5)])
    if kind == "community":
        if age >= 60:
            return pick(rng, [("retired", 90), ("other", 10)])
        return pick(rng, [("employed", 35), ("self_employed", 20), ("professional", 10), ("unemployed", 10),
                          ("other", 25)])
    if kind == "retired" or age >= 60:
        return "retired"
    return {
        "government": "civil_servant", "teacher": "professional", "student": "student",
        "hospital": "professional",
    }.get(kind) or pick(rng, {
        "soe": [("employed", 80), ("professional", 20)],
        "private": [("employed", 85), ("professional", 10), ("self_employed", 5)],
        "joint": [("employed", 75), ("professional", 10), ("self_employed", 15)],
        "temporary": [("employed", 70), ("professional", 30)],
    }[kind])


def dues(rng: random.Random, occupation: str) -> Decimal:
    """党费 by the 2008 rule: a share of monthly income; 0.20 yuan for farmers, students, the unemployed."""
    if occupation in {"farmer", "student", "unemployed"}:
        return Decimal("0.20")
    if occupation == "retired":
        income = rng.randint(220, 750) * 10
        rate = Decimal("0.005") if income <= 5000 else Decimal("0.01")
    else:
        low, high = {"civil_servant": (550, 1200), "professional": (450, 1600), "employed": (300, 1200),
                     "self_employed": (250, 900)}.get(occupation, (250, 600))
        income = rng.randint(low, high) * 10
        rate = (Decimal("0.005") if income <= 3000 else Decimal("0.01") if income <= 5000
                else Decimal("0.015") if income <= 10000 else Decimal("0.02"))
    return (Decimal(income) * rate).quantize(Decimal("0.01"))
