"""The planner's random sources and the small draws that every part of it uses.

One `random.Random` and one `Faker("zh_CN")`, both seeded with the demo's seed, feed every
draw in a fixed order: the same seed gives the same province on the same day. Names, ID
numbers and phone numbers are unique across the whole province.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from faker import Faker

from dangwu.core.dates import add_years

from ..plan import MIN_MEMBERS, DemoError
from ..regions import AREA_CODES, hunan_regions
from ..vocabularies import INDUSTRIES, MOBILE_PREFIXES, ROAD_SUFFIXES, STEM_A, STEM_B


class PlannerBase:
    def __init__(self, *, members: int, seed: int, today: date) -> None:
        if members < MIN_MEMBERS:
            raise DemoError(f"--members must be at least {MIN_MEMBERS}")
        self.n = members
        self.seed = seed
        self.today = today
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.used_names: set[str] = set()
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.all_counties = [c for city in hunan_regions() for c in city.counties]
        self.city_names = {c.region.code: c.region.name for c in hunan_regions()}
        self.county_by_code = {c.code: c for c in self.all_counties}

    def stem(self, length: int = 2) -> str:
        """An invented two- or three-character place name: 桃源, 金龙江."""
        return "".join(self.rng.choice(STEM_A) for _ in range(length - 1)) + self.rng.choice(STEM_B)

    def road(self) -> str:
        """An invented road: 桃源路, 金江大道."""
        return self.stem() + self.rng.choice(ROAD_SUFFIXES)

    def unique(self, make: Callable[[], str]) -> str:
        for _ in range(50):
            name = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        name = f"{make()}{len(self.used_names)}"
        self.used_names.add(name)
        return name

    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def founded(self, start_year: int, end_year: int, *, not_before: date | None = None) -> date:
        """A day in the years given; if that is before the parent was founded, a day soon after the parent."""
        latest = self.today - timedelta(days=30)
        day = self.day_between(date(start_year, 1, 1), min(date(end_year, 12, 31), latest))
        if not_before and day < not_before:
            day = self.day_between(not_before, min(latest, add_years(not_before, 8)))
        return day

    def landline(self, city_code: str) -> str:
        return f"{AREA_CODES.get(city_code, '0731')}-{self.rng.randint(2, 8)}{self.rng.randint(0, 9_999_999):07d}"

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def company(self) -> str:
        return self.unique(lambda: f"湖南{self.stem()}{self.rng.choice(INDUSTRIES)}有限公司")
