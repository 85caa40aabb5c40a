"""The places of the demo province: 湖南's 市州 and 县市区 with their codes, and facts tied to a place.

Names and codes of the 市州 and 县市区 come from the region table (行政区划代码) that
python-stdnum ships (`stdnum/cn/loc.dat`); townships, villages and units are invented by the
planner from the syllables in `vocabularies`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROVINCE_CODE = "43"
PROVINCE_NAME = "湖南省"
ROOT_NAME = "中共湖南省委"
DEMO_CITY_CODE = "4301"  # 长沙市: the demo-city account's 市委
DEMO_COUNTY_CODE = "430102"  # 芙蓉区: the county of the demo branch


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


def short_place(name: str) -> str:
    """长沙市 → 长沙, 城步苗族自治县 → 城步, 湘西土家族苗族自治州 → 湘西, 澧县 → 澧县."""
    short = re.sub(r"((土家族|苗族|侗族|瑶族)+)自治(县|州)$", "", name)
    if short != name:
        return short
    if len(name) > 2 and name[-1] in "市县":
        return name[:-1]
    return name


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
ETHNIC_IN_NAME = ("土家族", "苗族", "侗族", "瑶族")  # an autonomous county's own peoples, by its name

OUTFLOW_DESTINATIONS = [
    "广东省深圳市", "广东省广州市", "广东省东莞市", "广东省佛山市", "浙江省杭州市", "浙江省宁波市",
    "上海市浦东新区", "上海市闵行区", "北京市朝阳区", "江苏省苏州市", "福建省厦门市", "湖北省武汉市",
]
OTHER_NATIVE_PLACES = ["湖北荆州", "江西萍乡", "广东韶关", "广西桂林", "贵州铜仁", "重庆秀山", "四川达州", "河南信阳"]
