"""The demo province (演示数据): a realistic 湖南 organization tree, members and demo accounts.

`build_plan()` is pure: it draws the whole province in memory from one seed (a
`random.Random` and a `Faker("zh_CN")`, both seeded with it), so the same seed gives the
same province on the same day. `seed_demo()` writes a plan in one transaction with bulk
inserts (the tree's materialized paths are computed here, not by treebeard one node at a
time), keeps simple-history's initial rows, grants the demo accounts their roles and
writes one `demo.seed` audit entry.

Names and codes of the 市州 and 县市区 come from the region table that python-stdnum ships
(`stdnum/cn/loc.dat`); townships, villages, units and people are invented.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from faker import Faker
from simple_history.utils import bulk_create_with_history
from stdnum.cn import ric

from dangwu.core import audit
from dangwu.core.roles import Role
from dangwu.core.services import grant_role
from dangwu.members import rollups
from dangwu.members import rules as member_rules
from dangwu.members.models import Member, Standing, StandingChange
from dangwu.orgs import rules as org_rules
from dangwu.orgs.models import BRANCH_TYPES, CommitteePosition, Organization, OrgType, Post, UnitCategory

PROVINCE_CODE = "43"
PROVINCE_NAME = "湖南省"
ROOT_NAME = "中共湖南省委"
DEMO_PASSWORD = "dangwu-demo-2026"
MIN_MEMBERS = 50

# (username, display name, role, where: "province" | "city" | "branch")
DEMO_ACCOUNTS: list[tuple[str, str, str, str]] = [
    ("demo-admin", "系统管理员（演示）", Role.SYSTEM_ADMIN, "province"),
    ("demo-security", "安全管理员（演示）", Role.SECURITY_ADMIN, "province"),
    ("demo-audit", "审计管理员（演示）", Role.AUDIT_ADMIN, "province"),
    ("demo-org", "省委组织部（演示）", Role.ORG_DEPARTMENT, "province"),
    ("demo-discipline", "省纪委监委（演示）", Role.DISCIPLINE, "province"),
    ("demo-city", "长沙市委组织部（演示）", Role.ORG_DEPARTMENT, "city"),
    ("demo-secretary", "", Role.BRANCH_SECRETARY, "branch"),
    ("demo-member", "", Role.MEMBER, "branch"),
]
DEMO_CITY_CODE = "4301"  # 长沙市
DEMO_COUNTY_CODE = "430102"  # 芙蓉区
# The two demo people, with pinyin initials that no one else in their branch shares.
DEMO_SECRETARY_NAME = "王建华"  # wjh
DEMO_MEMBER_NAME = "李晓红"  # lxh


class DemoError(Exception):
    """The demo province cannot be loaded (for example, the database is not empty)."""


# --------------------------------------------------------------------------------------
# The region table (行政区划代码) from python-stdnum
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Region:
    code: str  # 4 digits for a 市州, 6 for a 县市区
    name: str
    since: int | None  # the year the code was first used, when the table says


@dataclass(frozen=True)
class City:
    region: Region
    counties: tuple[Region, ...]


_ENTRY = re.compile(r"^\s+(\d{4}) county=\"(.*)\"\s*$")
_PERIOD = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")


def _current_name(value: str) -> tuple[str | None, int | None]:
    """The name in use today and the first year of the code, from `[1983-1995]东区,[1996-]芙蓉区`."""
    current: str | None = None
    first_year: int | None = None
    for part in value.split(","):
        match = _PERIOD.match(part.strip())
        if match is None:
            current = part.strip()
            continue
        start, end, name = match.groups()
        if start and (first_year is None or int(start) < first_year):
            first_year = int(start)
        if end is None:
            current = name.strip()
    return current, first_year


def _loc_file() -> Path:
    import stdnum

    return Path(stdnum.__file__).parent / "cn" / "loc.dat"


@cache
def hunan_regions() -> tuple[City, ...]:
    """The 14 市州 of 湖南 (4301…4313, 4331) and their current 县市区, in code order."""
    entries: list[tuple[str, str, int | None]] = []
    in_province = False
    for line in _loc_file().read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace():
            in_province = line.startswith(f"{PROVINCE_CODE} ")
            continue
        if not in_province:
            continue
        match = _ENTRY.match(line)
        if match is None:
            continue
        code, value = match.groups()
        name, since = _current_name(value)
        if name and name != "市辖区":
            entries.append((code, name, since))
    cities: list[City] = []
    for code, name, since in entries:
        if code.endswith("00") and code != "0000":
            counties = tuple(
                Region(PROVINCE_CODE + c, n, s) for c, n, s in entries if c[:2] == code[:2] and not c.endswith("00")
            )
            cities.append(City(Region(PROVINCE_CODE + code[:2], name, since), counties))
    return tuple(cities)


# Telephone area codes (长株潭 share 0731 since 2009).
AREA_CODES = {
    "4301": "0731", "4302": "0731", "4303": "0731", "4304": "0734", "4305": "0739", "4306": "0730",
    "4307": "0736", "4308": "0744", "4309": "0737", "4310": "0735", "4311": "0746", "4312": "0745",
    "4313": "0738", "4331": "0743",
}

# Ethnic mix by 市州 (percent); autonomous counties override it.
ETHNICITY_BY_CITY: dict[str, list[tuple[str, int]]] = {
    "4331": [("土家族", 42), ("苗族", 33), ("汉族", 24), ("回族", 1)],
    "4308": [("土家族", 58), ("汉族", 34), ("白族", 5), ("苗族", 3)],
    "4312": [("汉族", 58), ("侗族", 22), ("苗族", 13), ("瑶族", 3), ("土家族", 4)],
    "4305": [("汉族", 91), ("苗族", 5), ("瑶族", 2), ("回族", 2)],
    "4311": [("汉族", 88), ("瑶族", 11), ("苗族", 1)],
    "4307": [("汉族", 95), ("土家族", 3), ("回族", 2)],
    "4310": [("汉族", 97), ("瑶族", 2), ("畲族", 1)],
}
ETHNICITY_DEFAULT = [("汉族", 990), ("土家族", 4), ("苗族", 3), ("回族", 2), ("侗族", 1)]
MINORITY_CITIES = ["4331", "4312", "4308"]  # 湘西州, 怀化, 张家界
_ETHNIC_IN_NAME = ("土家族", "苗族", "侗族", "瑶族")

OUTFLOW_DESTINATIONS = [
    "广东省深圳市", "广东省广州市", "广东省东莞市", "广东省佛山市", "浙江省杭州市", "浙江省宁波市",
    "上海市浦东新区", "上海市闵行区", "北京市朝阳区", "江苏省苏州市", "福建省厦门市", "湖北省武汉市",
]
OTHER_NATIVE_PLACES = ["湖北荆州", "江西萍乡", "广东韶关", "广西桂林", "贵州铜仁", "重庆秀山", "四川达州", "河南信阳"]
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186", "187",
    "188", "189", "191", "193", "195", "198", "199",
]

# Invented place-name syllables (townships, villages, communities, streets, companies).
_STEM_A = "金石黄白青龙凤桃枫杨柳双新高长马东西南北大花梅荷云沙泉松竹湘楚莲栗樟茶红兴福永安和平"
_STEM_B = "江山田桥塘坪溪湖岭冲湾口洲坡铺市洞坝河林岗源峰园门滩垸"
_ROAD_B = ["路", "大道", "街"]
_INDUSTRIES = ["科技", "建材", "食品", "农业开发", "物流", "电子", "机械制造", "新材料", "生物科技", "建筑工程",
               "茶业", "环保科技", "电气", "纺织"]
_DEPARTMENTS = ["委办公室", "人民政府办公室", "委组织部", "委宣传部", "纪委监委机关", "财政局", "教育局",
                "卫生健康局", "自然资源局", "农业农村局", "住房和城乡建设局", "市场监督管理局",
                "人力资源和社会保障局", "民政局", "司法局", "交通运输局", "水利局", "统计局", "审计局",
                "发展和改革局"]
_SOES = ["城市建设投资集团有限公司", "交通建设投资有限公司", "自来水有限公司", "供销合作社联合社",
         "农村商业银行", "国有资产经营有限公司"]
_SCHOOLS = ["第一中学", "第二中学", "实验小学", "职业中专学校", "实验中学"]
_HOSPITALS = ["人民医院", "中医医院", "妇幼保健院"]
_ORDINALS = "一二三四五六七八九十"

# Given names by generation (the surname always comes from Faker's weighted list).
_GIVEN = {
    ("old", "male"): ["建国", "国庆", "卫东", "建军", "解放", "援朝", "志刚", "德明", "正华", "长生", "桂生",
                      "春生", "秋生", "福生", "国平", "建新", "跃进", "光明", "振华", "德胜", "水生", "春林",
                      "金山", "玉林", "湘生", "炳炎"],
    ("old", "female"): ["桂英", "秀英", "淑珍", "凤英", "玉兰", "桂兰", "秀兰", "冬梅", "春花", "秋菊", "红英",
                        "美华", "爱华", "翠兰", "菊英", "素珍", "金凤", "满姣", "腊梅", "新华"],
    ("mid", "male"): (list("志建海永国文小晓新立德世俊春卫红中伟明剑"), list("强军华平峰勇斌刚辉波明林涛东宇成杰龙锋")),
    ("mid", "female"): (list("丽秀晓春红艳小美燕海玉雪慧丹建"), list("华萍琴芳霞燕娟玲红梅丽英莉敏平")),
    ("young", "male"): (list("子浩宇梓俊一博思嘉天雨文家佳逸明泽昊皓志"), list("轩然航豪杰宸睿辰涵阳博鑫昊晨泽远宁哲洋凯")),
    ("young", "female"): (list("欣梓雨思紫诗子佳可一若语婉梦晓嘉心丽静雅"), list("怡涵萱琪彤妍悦婷琳雯璐瑶岚蕾洁茜颖菲桐宁")),
}

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


# --------------------------------------------------------------------------------------
# The plan (pure, in memory)
# --------------------------------------------------------------------------------------

@dataclass(eq=False)
class OrgPlan:
    code: str
    name: str
    org_type: str
    unit_category: str
    region_code: str
    founded_on: date
    unit_name: str = ""
    contact_phone: str = ""
    address: str = ""
    kind: str = ""  # member profile for branches; "" for the others
    city_code: str = ""
    county: Region | None = None
    children: list[OrgPlan] = field(default_factory=list)
    size: int = 0
    demo: bool = False
    place: str = ""  # 镇/街道 name for addresses below a township
    obj: Any = None  # the saved Organization

    @property
    def is_branch(self) -> bool:
        return self.org_type in BRANCH_TYPES


@dataclass(eq=False)
class MemberPlan:
    org: OrgPlan
    id_number: str
    phone: str
    fields: dict[str, Any]
    account: str = ""
    standing_change: dict[str, Any] | None = None
    obj: Any = None


@dataclass(eq=False)
class PositionPlan:
    org: OrgPlan
    member: MemberPlan
    post: str
    term_start: date
    term_end: date


@dataclass
class Plan:
    seed: int
    today: date
    root: OrgPlan
    members: list[MemberPlan]
    positions: list[PositionPlan]
    demo_branch: OrgPlan
    city_orgs: dict[str, OrgPlan]

    def organizations(self) -> Iterator[tuple[OrgPlan, OrgPlan | None, int]]:
        """Every organization with its parent and its 1-based place among its siblings, parents first."""
        return _walk(self.root)


def _walk(root: OrgPlan) -> Iterator[tuple[OrgPlan, OrgPlan | None, int]]:
    stack: list[tuple[OrgPlan, OrgPlan | None, int]] = [(root, None, 1)]
    while stack:
        node, parent, index = stack.pop()
        yield node, parent, index
        stack.extend((child, node, i) for i, child in reversed(list(enumerate(node.children, start=1))))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the birthday falls on 1 March in other years
        return day.replace(year=day.year + years, month=3, day=1)


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _pick(rng: random.Random, weighted: list[tuple[Any, float]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _short_place(name: str) -> str:
    """长沙市 → 长沙, 城步苗族自治县 → 城步, 湘西土家族苗族自治州 → 湘西, 澧县 → 澧县."""
    short = re.sub(r"((土家族|苗族|侗族|瑶族)+)自治(县|州)$", "", name)
    if short != name:
        return short
    if len(name) > 2 and name[-1] in "市县":
        return name[:-1]
    return name


class _Planner:
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

    # --- small helpers ------------------------------------------------------------
    def stem(self, length: int = 2) -> str:
        """An invented two- or three-character place name: 桃源, 金龙江."""
        return "".join(self.rng.choice(_STEM_A) for _ in range(length - 1)) + self.rng.choice(_STEM_B)

    def unique(self, make) -> str:
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

    # --- organizations ------------------------------------------------------------
    def child(self, parent: OrgPlan, *, name: str, org_type: str, unit_category: str, kind: str = "",
              unit_name: str = "", founded: date | None = None, code_width: int = 3, place: str = "") -> OrgPlan:
        code = f"{parent.code}{len(parent.children) + 1:0{code_width}d}"
        node = OrgPlan(
            code=code, name=name, org_type=org_type, unit_category=unit_category,
            region_code=parent.region_code, founded_on=founded or self.founded(1985, 2015, not_before=parent.founded_on),
            unit_name=unit_name, kind=kind, city_code=parent.city_code, county=parent.county,
            place=place or parent.place,
        )
        node.contact_phone = self.landline(node.city_code)
        node.address = self.address(node)
        parent.children.append(node)
        return node

    def address(self, node: OrgPlan) -> str:
        city = self.city_names[node.city_code]
        county = node.county.name if node.county else ""
        if node.unit_category == UnitCategory.VILLAGE:
            return f"湖南省{city}{county}{node.place}{node.unit_name.removeprefix(node.place)}村部"
        road = self.stem() + self.rng.choice(_ROAD_B)
        return f"湖南省{city}{county}{road}{self.rng.randint(1, 399)}号"

    def branch_founded(self, kind: str, parent: OrgPlan) -> date:
        years = {"village": (1950, 1985), "community": (2000, 2016), "government": (1980, 2010),
                 "retired": (1995, 2012), "teacher": (1980, 2012), "student": (2005, 2020),
                 "hospital": (1985, 2012), "soe": (1995, 2018), "private": (2008, 2023),
                 "joint": (2012, 2023), "temporary": (2022, 2025)}[kind]
        return self.founded(*years, not_before=parent.founded_on)

    def branch(self, parent: OrgPlan, kind: str, name: str, unit_name: str, *,
               org_type: str = OrgType.BRANCH) -> OrgPlan:
        return self.child(parent, name=name, org_type=org_type, unit_category=UNIT_OF_KIND[kind], kind=kind,
                          unit_name=unit_name, founded=self.branch_founded(kind, parent))

    def build_tree(self) -> tuple[OrgPlan, dict[str, OrgPlan], OrgPlan]:
        cities = hunan_regions()
        root = OrgPlan(code=PROVINCE_CODE, name=ROOT_NAME, org_type=OrgType.COMMITTEE,
                       unit_category=UnitCategory.PARTY_COMMITTEE, region_code=PROVINCE_CODE + "0000",
                       founded_on=date(1949, 8, 5), unit_name="中国共产党湖南省委员会", city_code="4301",
                       contact_phone=self.landline("4301"), address="湖南省长沙市芙蓉区韶山北路1号")
        city_orgs: dict[str, OrgPlan] = {}
        county_orgs: list[OrgPlan] = []
        for city in cities:
            since = city.region.since or self.rng.randint(1949, 1952)
            city_org = OrgPlan(
                code=city.region.code, name=f"中共{city.region.name}委", org_type=OrgType.COMMITTEE,
                unit_category=UnitCategory.PARTY_COMMITTEE, region_code=city.region.code + "00",
                founded_on=self.founded(since, since, not_before=root.founded_on),
                unit_name=f"中国共产党{city.region.name}委员会",
                city_code=city.region.code, contact_phone=self.landline(city.region.code),
            )
            city_org.address = f"湖南省{city.region.name}{self.stem()}{self.rng.choice(_ROAD_B)}{self.rng.randint(1, 99)}号"
            root.children.append(city_org)
            city_orgs[city.region.code] = city_org
            for county in city.counties:
                # A district's code year is usually when it was set up; a county's committee is older
                # than its present code (codes were renumbered when 地区 became 市).
                since = county.since if county.since and county.name.endswith("区") else None
                since = since or self.rng.randint(1949, 1952)
                county_org = OrgPlan(
                    code=county.code, name=f"中共{county.name}委", org_type=OrgType.COMMITTEE,
                    unit_category=UnitCategory.PARTY_COMMITTEE, region_code=county.code,
                    founded_on=self.founded(since, since),
                    unit_name=f"中国共产党{county.name}委员会",
                    city_code=city.region.code, county=county, contact_phone=self.landline(city.region.code),
                )
                county_org.address = f"湖南省{city.region.name}{county.name}{self.stem()}{self.rng.choice(_ROAD_B)}{self.rng.randint(1, 199)}号"
                city_org.children.append(county_org)
                county_orgs.append(county_org)

        # Branches only under a subset of counties, scaled to the number of members.
        branches = max(math.ceil(self.n / 16), round((self.n / 7 - 1 - len(county_orgs) - len(cities)) / 1.3))
        branches = min(branches, self.n // 4)
        n_counties = max(1, min(4, branches // 4), min(len(county_orgs), round(branches / 12)))
        demo_county = next(c for c in county_orgs if c.code == DEMO_COUNTY_CODE)
        chosen = [demo_county]
        # One county in each of the areas where most of 湖南's minority peoples live, room permitting.
        for city_code in MINORITY_CITIES[: n_counties - 1]:
            chosen.append(self.rng.choice([c for c in county_orgs if c.city_code == city_code]))
        others = [c for c in county_orgs if c not in chosen]
        chosen += self.rng.sample(others, n_counties - len(chosen))
        budgets = [branches // n_counties] * n_counties
        for i in self.rng.sample(range(n_counties), branches % n_counties):
            budgets[i] += 1
        demo_branch: OrgPlan | None = None
        for county_org, budget in zip(chosen, budgets, strict=True):
            found = self.build_county(county_org, max(budget, 2), demo=county_org is demo_county)
            demo_branch = demo_branch or found
        if demo_branch is None:  # cannot happen: the demo county always gets a street with a community
            raise DemoError("no demo branch was planned")
        return root, city_orgs, demo_branch

    def build_county(self, county: OrgPlan, budget: int, *, demo: bool) -> OrgPlan | None:
        """Add township committees and county-level units with about `budget` branches."""
        name = county.county.name if county.county else county.name
        is_district = name.endswith("区")
        demo_branch = None
        used = 0
        if demo:
            township = self.township(county, street=True)
            k = min(max(3, self.rng.randint(4, 7)), max(budget, 3))
            demo_branch = self.fill_township(township, k, street=True, demo=True)
            used += k
        county_share = round(budget * self.rng.uniform(0.2, 0.35)) if budget >= 6 else (1 if budget >= 4 else 0)
        county_used = 0
        while county_used < county_share:
            county_used += self.county_unit(county, name, is_district, county_share - county_used)
        used += county_used
        while used < budget:
            rest = budget - used
            k = min(rest, self.rng.randint(3, 8))
            if 0 < rest - k < 3:
                k = rest
            street = self.rng.random() < (0.8 if is_district else 0.15)
            self.fill_township(self.township(county, street=street), k, street=street)
            used += k
        return demo_branch

    def township(self, county: OrgPlan, *, street: bool) -> OrgPlan:
        if street:
            town = self.unique(lambda: self.stem(self.rng.choice((2, 2, 3))) + "街道")
            return self.child(county, name=f"中共{town}工作委员会", org_type=OrgType.WORKING_COMMITTEE,
                              unit_category=UnitCategory.TOWNSHIP, unit_name=f"{county.county.name}{town}办事处",
                              founded=self.founded(1985, 2012, not_before=county.founded_on), place=town)
        town = self.unique(lambda: self.stem() + self.rng.choice("镇镇镇乡"))
        return self.child(county, name=f"中共{town}委员会", org_type=OrgType.COMMITTEE,
                          unit_category=UnitCategory.TOWNSHIP, unit_name=f"{county.county.name}{town}人民政府",
                          founded=self.founded(1950, 1995, not_before=county.founded_on), place=town)

    def fill_township(self, township: OrgPlan, k: int, *, street: bool, demo: bool = False) -> OrgPlan | None:
        town = township.place
        kinds: list[str] = []
        if street:
            if k >= 4 and self.rng.random() < 0.4:
                kinds.append("joint")
            if k >= 4 and self.rng.random() < 0.3:
                kinds.append("private")
            kinds += ["community"] * (k - len(kinds))
        else:
            if k >= 4 and self.rng.random() < 0.5:
                kinds.append("government")
            if k >= 5 and self.rng.random() < 0.3:
                kinds.append("teacher")
            if k >= 4 and self.rng.random() < 0.5:
                kinds.append("community")
            if k >= 5 and self.rng.random() < 0.2:
                kinds.append("joint")
            kinds += ["village"] * (k - len(kinds))
        kinds.sort(key=["community", "village", "government", "teacher", "private", "joint"].index)
        demo_branch = None
        i = 0
        while i < len(kinds):
            kind = kinds[i]
            if kind == "village":
                village = self.unique(lambda: f"{town}{self.stem()}村")
                remaining_villages = kinds[i:].count("village")
                if remaining_villages >= 3 and self.rng.random() < 0.3:
                    parts = min(remaining_villages, self.rng.randint(2, 3))
                    general = self.child(township, name=f"{village}党总支", org_type=OrgType.GENERAL_BRANCH,
                                         unit_category=UnitCategory.VILLAGE, unit_name=village,
                                         founded=self.branch_founded("village", township))
                    for p in range(parts):
                        self.branch(general, "village", f"{village}第{_ORDINALS[p]}党支部", village)
                    i += parts
                    continue
                self.branch(township, "village", f"{village}党支部", village)
            elif kind == "community":
                community = self.unique(lambda: f"{town}{self.stem()}社区")
                node = self.branch(township, "community", f"{community}党支部", community)
                if demo and demo_branch is None:
                    node.demo = True
                    demo_branch = node
            elif kind == "government":
                self.branch(township, "government", f"{town}机关党支部", f"{township.county.name}{town}人民政府")
            elif kind == "teacher":
                school = f"{township.county.name}{town}中心学校"
                self.branch(township, "teacher", f"{school}党支部", school)
            elif kind == "private":
                company = self.company()
                self.branch(township, "private", f"{company}党支部", company)
            elif kind == "joint":
                self.branch(township, "joint", f"{town}非公有制企业联合党支部", f"{town}{self.rng.randint(2, 5)}家非公有制企业",
                            org_type=OrgType.JOINT_BRANCH)
            i += 1
        return demo_branch

    def company(self) -> str:
        return self.unique(lambda: f"湖南{self.stem()}{self.rng.choice(_INDUSTRIES)}有限公司")

    def county_unit(self, county: OrgPlan, name: str, is_district: bool, budget: int) -> int:
        """One county-level unit (机关, school, hospital, enterprise…); returns the branches it added."""
        options = [("government", 3), ("teacher", 2), ("hospital", 1), ("soe", 1.5), ("private", 1.5),
                   ("temporary", 0.4)]
        if is_district:
            options.append(("college", 0.8))
        choice = _pick(self.rng, options)
        if choice == "government":
            working = next((c for c in county.children if c.org_type == OrgType.WORKING_COMMITTEE
                            and c.unit_category == UnitCategory.GOVERNMENT), None)
            if working is None:
                working = self.child(county, name=f"中共{name}直属机关工作委员会", org_type=OrgType.WORKING_COMMITTEE,
                                     unit_category=UnitCategory.GOVERNMENT, unit_name=f"{name}直属机关",
                                     founded=self.founded(1980, 2000, not_before=county.founded_on))
                if budget >= 2 and self.rng.random() < 0.6:
                    self.branch(working, "retired", f"{name}直属机关离退休干部党支部", f"{name}直属机关")
                    return 1 + self.county_unit(county, name, is_district, 0)
            taken = {c.unit_name for c in working.children}
            free = [d for d in _DEPARTMENTS if f"{name}{d}" not in taken]
            if not free:
                company = self.company()
                self.branch(county, "private", f"{company}党支部", company)
                return 1
            dept = f"{name}{self.rng.choice(free)}"
            self.branch(working, "government", f"{dept}党支部", dept)
            return 1
        if choice == "teacher":
            school = self.unique(lambda: f"{name}{self.rng.choice(_SCHOOLS)}")
            if budget >= 3 and self.rng.random() < 0.5:
                general = self.child(county, name=f"{school}党总支", org_type=OrgType.GENERAL_BRANCH,
                                     unit_category=UnitCategory.SCHOOL, unit_name=school,
                                     founded=self.branch_founded("teacher", county))
                self.branch(general, "teacher", f"{school}教工第一党支部", school)
                self.branch(general, "teacher", f"{school}教工第二党支部", school)
                self.branch(general, "retired", f"{school}离退休教师党支部", school)
                return 3
            self.branch(county, "teacher", f"{school}党支部", school)
            return 1
        if choice == "college":
            college = self.unique(lambda: f"湖南{self.stem()}职业技术学院")
            general = self.child(county, name=f"{college}学生党总支", org_type=OrgType.GENERAL_BRANCH,
                                 unit_category=UnitCategory.SCHOOL, unit_name=college,
                                 founded=self.branch_founded("student", county))
            parts = max(1, min(budget, 3))
            for p in range(parts):
                self.branch(general, "student", f"{college}学生第{_ORDINALS[p]}党支部", college)
            return parts
        if choice == "hospital":
            hospital = self.unique(lambda: f"{name}{self.rng.choice(_HOSPITALS)}")
            self.branch(county, "hospital", f"{hospital}党支部", hospital)
            return 1
        if choice == "soe":
            soe = self.unique(lambda: f"{name}{self.rng.choice(_SOES)}")
            self.branch(county, "soe", f"{soe}党支部", soe)
            return 1
        if choice == "private":
            company = self.company()
            self.branch(county, "private", f"{company}党支部", company)
            return 1
        project = self.unique(lambda: f"{name}{self.stem()}{self.rng.choice(_ROAD_B)}建设项目")
        self.branch(county, "temporary", f"{project}临时党支部", project, org_type=OrgType.TEMPORARY_BRANCH)
        return 1

    # --- members --------------------------------------------------------------------
    def allocate(self, branches: list[OrgPlan], demo_branch: OrgPlan) -> None:
        """Spread the members over the branches: 3–60 each, weighted by kind."""
        others = [b for b in branches if b is not demo_branch]
        demo_size = max(3, min(self.rng.randint(18, 26), self.n - 3 * len(others)))
        demo_branch.size = demo_size
        total = self.n - demo_size
        weights = [SIZE_WEIGHT[b.kind] * self.rng.lognormvariate(0, 0.55) for b in others]
        scale = total / sum(weights)
        for b, w in zip(others, weights, strict=True):
            b.size = min(60, max(3, round(w * scale)))
        diff = total - sum(b.size for b in others)
        order = list(range(len(others)))
        while diff:
            self.rng.shuffle(order)
            moved = False
            for i in order:
                b = others[i]
                if diff > 0 and b.size < 60:
                    b.size += 1
                    diff -= 1
                    moved = True
                elif diff < 0 and b.size > 3:
                    b.size -= 1
                    diff += 1
                    moved = True
                if not diff:
                    break
            if not moved:
                raise DemoError("cannot spread the members over the branches")

    def add_groups(self, branches: list[OrgPlan]) -> None:
        """党小组 under some larger branches."""
        for b in branches:
            if b.size >= 20 and self.rng.random() < 0.35:
                for g in range(self.rng.randint(2, 3)):
                    self.child(b, name=f"{b.name}第{_ORDINALS[g]}党小组", org_type=OrgType.GROUP,
                               unit_category=b.unit_category, unit_name=b.unit_name, code_width=2,
                               founded=self.day_between(b.founded_on, self.today - timedelta(days=60)))

    def given_name(self, gender: str, birth_year: int) -> str:
        generation = "old" if birth_year < 1962 else "mid" if birth_year < 1985 else "young"
        if self.rng.random() < 0.45:
            return self.fake.first_name_male() if gender == "male" else self.fake.first_name_female()
        pool = _GIVEN[(generation, gender)]
        if isinstance(pool, tuple):
            first, second = pool
            if self.rng.random() < 0.2:
                return self.rng.choice(second)
            return self.rng.choice(first) + self.rng.choice(second)
        return self.rng.choice(pool)

    def ethnicity(self, branch: OrgPlan) -> str:
        county = branch.county.name if branch.county else ""
        own = [e for e in _ETHNIC_IN_NAME if e in county]
        if own:
            weights = [(e, 50 / len(own)) for e in own] + [("汉族", 46), ("土家族" if "土家族" not in own else "回族", 4)]
            return _pick(self.rng, weights)
        return _pick(self.rng, ETHNICITY_BY_CITY.get(branch.city_code, ETHNICITY_DEFAULT))

    def id_number(self, region: str, birth: date, gender: str) -> str:
        while True:
            gender_digit = self.rng.choice("13579" if gender == "male" else "02468")
            body = f"{region}{birth:%Y%m%d}{self.rng.randint(0, 99):02d}{gender_digit}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used_ids:
                break
        parsed = member_rules.parse_id_number(number, today=self.today)
        if parsed.birth_date != birth or parsed.gender != gender:
            raise AssertionError(f"generated ID {number} disagrees with its member")
        self.used_ids.add(number)
        return number

    def education(self, kind: str, age: int) -> str:
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
        return _pick(self.rng, table)

    def occupation(self, kind: str, age: int) -> str:
        if kind == "village":
            if age >= 60:
                return _pick(self.rng, [("farmer", 75), ("retired", 25)])
            return _pick(self.rng, [("farmer", 75), ("self_employed", 10), ("employed", 7), ("unemployed", 3),
                                    ("other", 5)])
        if kind == "community":
            if age >= 60:
                return _pick(self.rng, [("retired", 90), ("other", 10)])
            return _pick(self.rng, [("employed", 35), ("self_employed", 20), ("professional", 10), ("unemployed", 10),
                                    ("other", 25)])
        if kind == "retired" or age >= 60:
            return "retired"
        return {
            "government": "civil_servant", "teacher": "professional", "student": "student",
            "hospital": "professional",
        }.get(kind) or _pick(self.rng, {
            "soe": [("employed", 80), ("professional", 20)],
            "private": [("employed", 85), ("professional", 10), ("self_employed", 5)],
            "joint": [("employed", 75), ("professional", 10), ("self_employed", 15)],
            "temporary": [("employed", 70), ("professional", 30)],
        }[kind])

    def job(self, kind: str, occupation: str, age: int, branch: OrgPlan) -> tuple[str, str, str]:
        """(work unit, job title, professional title)."""
        rng = self.rng
        if occupation == "retired":
            unit = branch.unit_name if kind in {"retired", "teacher", "government", "soe"} else ""
            return (f"原{unit}" if unit else "", "", "")
        if occupation == "farmer":
            return branch.unit_name, _pick(rng, [("", 70), ("村民小组长", 15), ("村委会委员", 8),
                                                 ("村务监督委员会委员", 7)]), ""
        if occupation == "student":
            return branch.unit_name, "学生", ""
        if kind == "government":
            title = _pick(rng, [("一级科员", 20), ("四级主任科员", 20), ("三级主任科员", 15), ("副科长", 15),
                                ("科长", 15), ("副局长", 8), ("办公室主任", 7)])
            return branch.unit_name, title, ""
        if kind == "teacher":
            title = _pick(rng, [("教师", 55), ("班主任", 20), ("教研组长", 10), ("年级组长", 8), ("教务主任", 5),
                                ("副校长", 2)])
            grade = ("二级教师" if age < 30 else "一级教师" if age < 42
                     else "正高级教师" if rng.random() < 0.04 else "高级教师")
            return branch.unit_name, title, grade
        if kind == "hospital":
            if rng.random() < 0.4:
                grade = "护师" if age < 32 else "主管护师" if age < 48 else "副主任护师"
                return branch.unit_name, _pick(rng, [("护士", 80), ("护士长", 20)]), grade
            grade = "住院医师" if age < 32 else "主治医师" if age < 42 else "副主任医师" if age < 52 else "主任医师"
            return branch.unit_name, _pick(rng, [("医师", 70), ("科室主任", 20), ("药师", 10)]), grade
        if kind in {"village", "community"}:
            if occupation == "other" and kind == "community":
                return branch.unit_name, _pick(rng, [("社区网格员", 40), ("社区居委会委员", 30), ("社区工作者", 30)]), ""
            if occupation == "other":
                return branch.unit_name, "村级后备干部", ""
            if occupation == "self_employed":
                return self.stem() + self.rng.choice(["商店", "餐馆", "农资店", "养殖场", "五金店"]), "个体经营者", ""
            if occupation == "unemployed":
                return "", "", ""
            return self.company(), _pick(rng, [("职员", 60), ("技术员", 20), ("部门经理", 20)]), ""
        if occupation == "professional":
            grade = "助理工程师" if age < 30 else "工程师" if age < 45 else "高级工程师"
            return branch.unit_name, "工程技术人员", grade
        if occupation == "self_employed":
            return branch.unit_name, "个体经营者", ""
        title = _pick(rng, [("职员", 25), ("技术员", 20), ("班组长", 12), ("车间主任", 8), ("财务人员", 8),
                            ("项目经理", 10), ("部门经理", 10), ("办公室主任", 7)])
        return branch.unit_name, title, ""

    def dues(self, occupation: str) -> Decimal:
        """党费 by the 2008 rule: a share of monthly income; 0.20 yuan for farmers, students, the unemployed."""
        if occupation in {"farmer", "student", "unemployed"}:
            return Decimal("0.20")
        if occupation == "retired":
            income = self.rng.randint(220, 750) * 10
            rate = Decimal("0.005") if income <= 5000 else Decimal("0.01")
        else:
            low, high = {"civil_servant": (550, 1200), "professional": (450, 1600), "employed": (300, 1200),
                         "self_employed": (250, 900)}.get(occupation, (250, 600))
            income = self.rng.randint(low, high) * 10
            rate = (Decimal("0.005") if income <= 3000 else Decimal("0.01") if income <= 5000
                    else Decimal("0.015") if income <= 10000 else Decimal("0.02"))
        return (Decimal(income) * rate).quantize(Decimal("0.01"))

    def member(self, branch: OrgPlan, *, name: str | None = None, gender: str | None = None,
               age: int | None = None, plain: bool = False, occupation: str | None = None) -> MemberPlan:
        rng = self.rng
        kind = branch.kind
        (mean, sd, low, high), female = PROFILES[kind]
        gender = gender or ("female" if rng.random() < female else "male")
        if age is None:
            age = int(min(high, max(low, rng.gauss(mean, sd))))
        probationary = False
        if not plain:
            p = 0.35 if age <= 22 else 0.16 if age <= 30 else 0.07 if age <= 40 else 0.02 if age <= 55 else 0.0
            probationary = rng.random() < p
        age = max(age, 19 if probationary else 21)
        birth = add_years(self.today, -age) - timedelta(days=rng.randint(0, 364))  # exactly `age` today
        earliest_join = add_years(birth, 19)
        if probationary:
            joined = self.day_between(max(earliest_join, self.today - timedelta(days=350)),
                                      self.today - timedelta(days=10))
            converted = None
        else:
            join_age = int(min(max(19, rng.gauss(27, 6)), max(19, age - 1)))
            joined = self.day_between(add_years(birth, join_age), add_years(birth, join_age + 1))
            joined = min(max(joined, earliest_join), self.today - timedelta(days=370))
            converted = add_years(joined, 1)
        applied = max(add_years(birth, 18), joined - timedelta(days=rng.randint(365, 365 * 4)))
        applied = min(applied, joined - timedelta(days=365))
        region = branch.county.code if branch.county and rng.random() < 0.85 else rng.choice(self.all_counties).code
        id_number = self.id_number(region, birth, gender)
        if name is None:
            name = self.fake.last_name() + self.given_name(gender, birth.year)
        home = self.county_by_code.get(region)
        city = self.city_names.get(region[:4], "")
        if rng.random() < 0.08:
            native = rng.choice(OTHER_NATIVE_PLACES)
        elif home and not home.name.endswith("区") and rng.random() < 0.5:
            native = "湖南" + _short_place(home.name)
        else:
            native = "湖南" + _short_place(city)
        occupation = occupation or self.occupation(kind, age)
        education = self.education(kind, age)
        degree = ""
        if education == "undergraduate" and rng.random() < 0.85:
            degree = "学士"
        elif education == "postgraduate":
            degree = "博士" if rng.random() < 0.15 else "硕士"
        work_unit, job_title, professional_title = self.job(kind, occupation, age, branch)
        start_age = {"postgraduate": 25, "undergraduate": 22, "junior_college": 21}.get(education, 19)
        work_started = None
        if occupation not in {"farmer", "student", "unemployed"} and age > start_age:
            work_started = self.day_between(add_years(birth, start_age), add_years(birth, start_age + 2))
            work_started = min(work_started, self.today - timedelta(days=30))
        county = branch.county.name if branch.county else ""
        if kind == "village":
            address = f"湖南省{self.city_names[branch.city_code]}{county}{branch.unit_name}{rng.randint(1, 15)}组"
        else:
            address = (f"湖南省{self.city_names[branch.city_code]}{county}{self.stem()}{rng.choice(_ROAD_B)}"
                       f"{rng.randint(1, 399)}号{rng.randint(1, 30)}栋{rng.randint(1, 30)}{rng.randint(1, 4):02d}室")
        fields: dict[str, Any] = {
            "name": name, "gender": gender, "ethnicity": self.ethnicity(branch), "birth_date": birth,
            "native_place": native, "education": education, "degree": degree,
            "professional_title": professional_title, "occupation": occupation, "work_unit": work_unit[:120],
            "job_title": job_title, "work_started_on": work_started, "address": address, "party_post": "",
            "member_type": "probationary" if probationary else "full", "applied_on": applied, "joined_on": joined,
            "converted_on": converted, "standing": Standing.NORMAL, "standing_since": None,
            "is_outflow": False, "outflow_destination": "", "is_inflow": False, "lost_contact": False,
            "lost_contact_since": None, "in_hardship": False, "is_party_worker": False,
            "dues_standard": self.dues(occupation),
        }
        plan = MemberPlan(org=branch, id_number=id_number, phone=self.mobile(), fields=fields)
        paid_back = _pick(rng, [(0, 50), (1, 30), (2, 10), (rng.randint(3, 11), 10)])
        if not plain:
            self.flags(plan, kind, age)
        if fields["lost_contact"]:
            paid_back = max(paid_back, (self.today - fields["lost_contact_since"]).days // 30)
        paid = _month_start(self.today, paid_back)
        if fields["standing"] == Standing.DECEASED:
            paid = _month_start(fields["standing_since"])
        fields["dues_paid_until"] = max(paid, _month_start(joined))
        return plan

    def flags(self, plan: MemberPlan, kind: str, age: int) -> None:
        rng = self.rng
        f = plan.fields
        full = f["member_type"] == "full"
        mobile_kinds = {"village", "community", "private", "joint"}
        if kind in mobile_kinds and 20 <= age <= 55 and rng.random() < 0.06:
            f["is_outflow"] = True
            f["outflow_destination"] = rng.choice(OUTFLOW_DESTINATIONS)
            if f["occupation"] == "farmer":
                f["occupation"] = "employed"
                f["work_unit"] = f["outflow_destination"] + self.company().removeprefix("湖南")
                f["job_title"] = "外出务工"
        if kind in {"village", "community", "private"} and 20 <= age <= 60 and rng.random() < 0.013:
            f["lost_contact"] = True
            f["lost_contact_since"] = self.day_between(max(f["joined_on"], self.today - timedelta(days=1100)),
                                                       self.today - timedelta(days=60))
            if full and (self.today - f["lost_contact_since"]).days > 365 and rng.random() < 0.5:
                effective = f["lost_contact_since"] + timedelta(days=rng.randint(190, 300))
                self.change_standing(plan, Standing.SUSPENDED, effective,
                                     "与党组织失去联系超过六个月，经支部大会讨论决定停止党籍")
        if full and age >= 75 and rng.random() < 0.03 and not f["lost_contact"]:
            effective = self.day_between(self.today - timedelta(days=900), self.today - timedelta(days=20))
            self.change_standing(plan, Standing.DECEASED, max(effective, f["converted_on"]), "因病逝世")
        elif full and kind in {"village", "community"} and 30 <= age <= 60 and rng.random() < 0.0012 \
                and f["standing"] == Standing.NORMAL:
            effective = self.day_between(self.today - timedelta(days=700), self.today - timedelta(days=30))
            self.change_standing(plan, Standing.REMOVED, max(effective, f["converted_on"]),
                                 "长期不参加党的组织生活，经教育仍无转变，予以除名")
        hardship = (0.10 if kind == "village" and age >= 60 else 0.06 if kind == "community" and age >= 65
                    else 0.05 if kind == "retired" and age >= 80 else 0.004)
        if f["standing"] == Standing.NORMAL and rng.random() < hardship:
            f["in_hardship"] = True
        if kind in {"community", "private", "joint"} and not f["is_outflow"] and rng.random() < 0.03:
            f["is_inflow"] = True

    def change_standing(self, plan: MemberPlan, to: str, effective: date, reason: str) -> None:
        effective = min(effective, self.today - timedelta(days=1))
        document = ""
        if to != Standing.DECEASED:
            short = _short_place(plan.org.county.name) if plan.org.county else "湘"
            document = f"{short}组〔{effective.year}〕{self.rng.randint(1, 60)}号"
        plan.standing_change = {"from_standing": plan.fields["standing"], "to_standing": to,
                                "effective_on": effective, "reason": reason, "document_number": document}
        plan.fields["standing"] = to
        plan.fields["standing_since"] = effective

    def members_of(self, branch: OrgPlan) -> list[MemberPlan]:
        if not branch.demo:
            return [self.member(branch) for _ in range(branch.size)]
        secretary = self.member(branch, name=DEMO_SECRETARY_NAME, gender="male", age=46, plain=True,
                                occupation="other")
        secretary.account = "demo-secretary"
        secretary.fields["job_title"] = "社区党支部书记"
        member = self.member(branch, name=DEMO_MEMBER_NAME, gender="female", age=34, plain=True,
                             occupation="employed")
        member.account = "demo-member"
        reserved = {member_rules.pinyin_keys(n)[1] for n in (DEMO_SECRETARY_NAME, DEMO_MEMBER_NAME)}
        people = [secretary, member]
        while len(people) < branch.size:
            candidate = self.member(branch)
            if member_rules.pinyin_keys(candidate.fields["name"])[1] in reserved:
                self.used_ids.discard(candidate.id_number)
                continue
            people.append(candidate)
        return people

    def positions(self, branch: OrgPlan, people: list[MemberPlan]) -> list[PositionPlan]:
        """书记 for every branch with 3 full members; a 支委会 (3–5) where there are 7 or more."""
        rng = self.rng
        full = [p for p in people if p.fields["member_type"] == "full" and p.fields["standing"] == Standing.NORMAL]
        if len(full) < 3:
            return []
        years = org_rules.term_years(branch.unit_category)
        if not branch.demo and rng.random() < 0.18:  # overdue for re-election (换届)
            start = self.today - timedelta(days=365 * years + rng.randint(20, 500))
        else:
            start = self.today - timedelta(days=rng.randint(30, 365 * years - 40))
        start = max(start, branch.founded_on)
        end = org_rules.term_end(start, branch.unit_category)
        # Prefer members who were full members when the term began, not away, not lost, under 70.
        preferred = [p for p in full if not p.fields["is_outflow"] and not p.fields["lost_contact"]
                     and p.fields["converted_on"] <= start and p.fields["birth_date"] > add_years(self.today, -70)]
        rest = [p for p in full if p not in preferred]
        eligible = rng.sample(preferred, len(preferred)) + rng.sample(rest, len(rest))
        if branch.demo:
            eligible = [people[0]] + [p for p in eligible if p is not people[0] and p is not people[1]]
        posts = [Post.SECRETARY]
        if len(full) >= 7:
            posts += [Post.ORGANIZATION, Post.PROPAGANDA]
            if len(full) >= 15 and rng.random() < 0.6:
                posts.append(Post.DISCIPLINE)
            if len(full) >= 25 and rng.random() < 0.5:
                posts.insert(1, Post.DEPUTY_SECRETARY)
        labels = dict(Post.choices)
        result = []
        for post, person in zip(posts, eligible, strict=False):
            result.append(PositionPlan(org=branch, member=person, post=post, term_start=start, term_end=end))
            person.fields["party_post"] = f"党支部{labels[post]}" if post in {Post.SECRETARY, Post.DEPUTY_SECRETARY} \
                else str(labels[post])
            person.fields["is_party_worker"] = True
        return result

    def build(self) -> Plan:
        root, city_orgs, demo_branch = self.build_tree()
        branches = [node for node, _parent, _index in _walk(root) if node.is_branch]
        self.allocate(branches, demo_branch)
        self.add_groups(branches)
        members: list[MemberPlan] = []
        positions: list[PositionPlan] = []
        for branch in branches:
            people = self.members_of(branch)
            members += people
            positions += self.positions(branch, people)
        return Plan(self.seed, self.today, root, members, positions, demo_branch, city_orgs)


def build_plan(*, members: int, seed: int, today: date | None = None) -> Plan:
    """Draw the whole demo province in memory; no database is touched."""
    return _Planner(members=members, seed=seed, today=today or timezone.localdate()).build()


# --------------------------------------------------------------------------------------
# Writing a plan
# --------------------------------------------------------------------------------------

@dataclass
class SeedResult:
    organizations: int
    members: int
    positions: int
    standing_changes: int
    accounts: list[str]
    demo_branch: str
    demo_initials: str


_BATCH = 1000


def _write_organizations(plan: Plan) -> int:
    objs: list[Organization] = []
    for node, parent, index in plan.organizations():
        if parent is None:
            path, depth = Organization._get_path(None, 1, 1), 1
        else:
            depth = parent.obj.depth + 1
            path = Organization._get_path(parent.obj.path, depth, index)
        node.obj = Organization(
            path=path, depth=depth, numchild=len(node.children), code=node.code, name=node.name,
            org_type=node.org_type, unit_name=node.unit_name, unit_category=node.unit_category,
            region_code=node.region_code, founded_on=node.founded_on, contact_phone=node.contact_phone,
            address=node.address,
        )
        objs.append(node.obj)
    bulk_create_with_history(objs, Organization, batch_size=_BATCH, default_change_reason="演示数据初始化")
    return len(objs)


def _seed_development(plan: Plan, today: date, seed: int) -> int:
    """The recruitment pipeline (发展党员) of the demo branch and the branches near it."""
    from dangwu.development import demo as development_demo

    branch = plan.demo_branch.obj
    near = branch.path[: -2 * Organization.steplen] or branch.path
    others = list(Organization.objects.filter(path__startswith=near, org_type__in=BRANCH_TYPES)
                  .exclude(pk=branch.pk).order_by("path")[:7])
    return development_demo.seed(branches=[branch, *others], today=today, seed=seed)


def seed_demo(*, members: int, seed: int) -> SeedResult:
    """Load the demo province into an empty database, in one transaction."""
    today = timezone.localdate()
    plan = build_plan(members=members, seed=seed, today=today)
    User = get_user_model()
    with transaction.atomic():
        if Organization.objects.exists():
            raise DemoError("the database already holds organizations; the demo loads only into an empty one")
        taken = list(User.objects.filter(username__in=[a[0] for a in DEMO_ACCOUNTS]).values_list("username", flat=True))
        if taken:
            raise DemoError(f"demo accounts already exist: {', '.join(taken)}")
        org_count = _write_organizations(plan)

        names = {"demo-secretary": DEMO_SECRETARY_NAME, "demo-member": DEMO_MEMBER_NAME}
        users = {
            username: User.objects.create_user(username=username, password=DEMO_PASSWORD,
                                               first_name=names.get(username, display))
            for username, display, _role, _where in DEMO_ACCOUNTS
        }

        objs: list[Member] = []
        for mp in plan.members:
            member = Member(organization=mp.org.obj, user=users.get(mp.account) if mp.account else None, **mp.fields)
            member.name_pinyin, member.name_initials = member_rules.pinyin_keys(member.name)
            member.set_id_number(mp.id_number)
            member.set_phone(mp.phone)
            mp.obj = member
            objs.append(member)
        bulk_create_with_history(objs, Member, batch_size=_BATCH, default_change_reason="演示数据初始化")

        changes = [StandingChange(member=mp.obj, **mp.standing_change) for mp in plan.members if mp.standing_change]
        StandingChange.objects.bulk_create(changes, batch_size=_BATCH)

        positions = [CommitteePosition(organization=pp.org.obj, member=pp.member.obj, post=pp.post,
                                       term_start=pp.term_start, term_end=pp.term_end) for pp in plan.positions]
        bulk_create_with_history(positions, CommitteePosition, batch_size=_BATCH,
                                 default_change_reason="演示数据初始化")

        rollups.rebuild()  # the structure statistics of the bulk-loaded province, set-based
        _seed_development(plan, today, seed)
        # 党费 (dangwu.dues): declarations, the last months assessed, payments with some arrears
        from dangwu.dues.demo import seed_dues

        dues = seed_dues(root=plan.root.obj, demo_branch=plan.demo_branch.obj, seed=seed, today=today)

        where = {"province": plan.root.obj, "city": plan.city_orgs[DEMO_CITY_CODE].obj,
                 "branch": plan.demo_branch.obj}
        for username, _display, role, place in DEMO_ACCOUNTS:
            grant_role(actor=None, user=users[username], role=role, organization=where[place])

        result = SeedResult(
            organizations=org_count, members=len(objs), positions=len(positions), standing_changes=len(changes),
            accounts=[a[0] for a in DEMO_ACCOUNTS], demo_branch=plan.demo_branch.name,
            demo_initials=member_rules.pinyin_keys(DEMO_MEMBER_NAME)[1],
        )
        audit.record(actor=None, action="demo.seed", organization=plan.root.obj, summary={
            "seed": seed, "organizations": org_count, "members": len(objs), "positions": len(positions),
            "standing_changes": len(changes), "accounts": result.accounts, "dues": dues,
        })
    return result
