"""A province of millions of members, loaded fast: the tree and the members are drawn in
memory and written with PostgreSQL's COPY (psycopg's `cursor.copy()`).

Tree: 中共湖南省委 → 14 市州 → 122 县市区 (dangwu.demo.regions.hunan_regions()) → 乡镇/街道
committees (and the county's own units) → branches, with treebeard's path, depth and numchild
computed here. Members belong to branches; every ID number is valid (region, birth date and
gender agree with the record, check digit right) and unique, encrypted with dangwu.core.crypto,
with its keyed hash and masked copy, like the phone number; pinyin keys come from
members.rules.pinyin_keys (cached by name: names repeat).

What the bulk load leaves out, on purpose: simple-history's initial rows (a member's history
starts with its first change), standing-change records of the few members drawn as
suspended or deceased, and committee positions. The roster import measured by the bench goes
through the real import path, history included.

Uniqueness of ID numbers without shared state between worker processes: the two digits
after the birth date (the police-station digits) are the chunk number, 00…89; a chunk checks
its own numbers. 90…99 are left for rosters the bench writes later (see `fresh_id_numbers`).
"""

from __future__ import annotations

import math
import multiprocessing
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from stdnum.cn import ric

from dangwu.core import crypto
from dangwu.core.dates import add_years
from dangwu.demo import profiles, vocabularies
from dangwu.demo import regions as demo_regions
from dangwu.members import rules as member_rules

CHUNKS_MAX = 90  # police-station digits 00…89 for the bulk load, 90…99 for rosters
MEMBERS_PER_BRANCH = 21  # about 250,000 organizations for 5,000,000 members
BRANCHES_PER_TOWNSHIP = 15
TODAY = date.today()

# Kinds of branch: (share under a township of a rural county, of a city district), unit category
RURAL_KINDS = [("village", 70), ("community", 8), ("government", 6), ("teacher", 6), ("private", 5),
               ("joint", 3), ("retired", 2)]
URBAN_KINDS = [("community", 55), ("private", 15), ("joint", 8), ("government", 8), ("teacher", 6),
               ("retired", 5), ("village", 3)]
COUNTY_KINDS = [("government", 30), ("teacher", 22), ("hospital", 12), ("soe", 14), ("private", 12),
                ("retired", 8), ("temporary", 2)]
BRANCH_NAME = {
    "village": "{place}{stem}村党支部", "community": "{place}{stem}社区党支部",
    "government": "{place}{stem}机关党支部", "teacher": "{place}{stem}学校党支部",
    "hospital": "{place}{stem}医院党支部", "soe": "{place}{stem}公司党支部",
    "private": "湖南{stem}{industry}有限公司党支部", "joint": "{place}{stem}非公有制企业联合党支部",
    "retired": "{place}{stem}离退休干部党支部", "temporary": "{place}{stem}建设项目临时党支部",
}
EDUCATION_LABELS: dict[str, str] = {}  # filled lazily from the model's choices


@dataclass
class OrgRow:
    id: int
    path: str
    depth: int
    code: str
    name: str
    org_type: str
    unit_category: str
    region_code: str
    founded_on: date
    unit_name: str = ""
    contact_phone: str = ""
    address: str = ""
    numchild: int = 0
    # not columns
    kind: str = ""
    county_code: str = ""
    city_code: str = ""
    size: int = 0


@dataclass
class Province:
    orgs: list[OrgRow]
    branches: list[OrgRow]
    cities: dict[str, OrgRow]
    counties: dict[str, OrgRow]
    members: int

    def subtree(self, org: OrgRow) -> list[OrgRow]:
        return [o for o in self.orgs if o.path.startswith(org.path)]

    def branches_under(self, org: OrgRow) -> list[OrgRow]:
        return [b for b in self.branches if b.path.startswith(org.path)]


def _path(parent: str, index: int) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    digits = ""
    while index:
        index, rest = divmod(index, 36)
        digits = alphabet[rest] + digits
    return parent + digits.rjust(4, "0")


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def plan_province(members: int, seed: int = 2026) -> Province:
    """The tree (in memory), with each branch's number of members; ~members/21 branches."""
    rng = random.Random(seed)
    regions = demo_regions.hunan_regions()
    orgs: list[OrgRow] = []
    next_id = iter(range(1, 10**9))

    def add(parent: OrgRow | None, **kw: Any) -> OrgRow:
        if parent is None:
            path, depth = _path("", 1), 1
        else:
            parent.numchild += 1
            path, depth = _path(parent.path, parent.numchild), parent.depth + 1
        row = OrgRow(id=next(next_id), path=path, depth=depth, **kw)
        orgs.append(row)
        return row

    def stem(n: int = 2) -> str:
        return "".join(rng.choice(vocabularies.STEM_A) for _ in range(n - 1)) + rng.choice(vocabularies.STEM_B)

    def phone(city: str) -> str:
        return f"{demo_regions.AREA_CODES.get(city, '0731')}-{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}"

    root = add(None, code=demo_regions.PROVINCE_CODE, name=demo_regions.ROOT_NAME, org_type="committee",
               unit_category="party_committee", region_code="430000", founded_on=date(1949, 8, 5),
               unit_name="中国共产党湖南省委员会", contact_phone=phone("4301"), address="湖南省长沙市芙蓉区韶山北路1号")
    cities: dict[str, OrgRow] = {}
    counties: dict[str, OrgRow] = {}
    county_regions = []
    for city in regions:
        c = add(root, code=city.region.code, name=f"中共{city.region.name}委", org_type="committee",
                unit_category="party_committee", region_code=city.region.code + "00",
                founded_on=date(1949 + rng.randint(0, 3), rng.randint(1, 12), rng.randint(1, 28)),
                unit_name=f"中国共产党{city.region.name}委员会", contact_phone=phone(city.region.code),
                address=f"湖南省{city.region.name}{stem()}路{rng.randint(1, 99)}号", city_code=city.region.code)
        cities[city.region.code] = c
        for county in city.counties:
            k = add(c, code=county.code, name=f"中共{county.name}委", org_type="committee",
                    unit_category="party_committee", region_code=county.code,
                    founded_on=date(1949 + rng.randint(0, 3), rng.randint(1, 12), rng.randint(1, 28)),
                    unit_name=f"中国共产党{county.name}委员会", contact_phone=phone(city.region.code),
                    address=f"湖南省{city.region.name}{county.name}{stem()}路{rng.randint(1, 199)}号",
                    city_code=city.region.code, county_code=county.code)
            counties[county.code] = k
            county_regions.append((k, county, city))

    # Members per county: 长沙 and the big cities weigh more; districts a little more than counties.
    weights = []
    for _k, county, city in county_regions:
        w = rng.lognormvariate(0, 0.35) * (1.6 if city.region.code == "4301" else 1.0)
        weights.append(w * (1.2 if county.name.endswith("区") else 1.0))
    scale = members / sum(weights)
    county_members = [max(MEMBERS_PER_BRANCH * 3, int(w * scale)) for w in weights]
    county_members[-1] += members - sum(county_members)  # exact total (the last county absorbs the rest)
    if county_members[-1] < 3:
        raise ValueError("too few members for a province: use at least 10,000")

    branches: list[OrgRow] = []
    for (k, county, city), n in zip(county_regions, county_members, strict=True):
        urban = county.name.endswith("区")
        n_branches = max(2, round(n / MEMBERS_PER_BRANCH))
        direct = max(1, round(n_branches * 0.12))  # the county's own units (机关, schools, hospitals…)
        county_branches: list[OrgRow] = []
        for _ in range(direct):
            kind = _pick(rng, COUNTY_KINDS)
            county_branches.append(_branch(add, k, kind, county.name, stem, rng, phone, city.region.code,
                                           f"湖南省{city.region.name}{county.name}"))
        rest = n_branches - direct
        n_town = max(1, math.ceil(rest / BRANCHES_PER_TOWNSHIP))
        for t in range(n_town):
            street = rng.random() < (0.8 if urban else 0.15)
            place = stem() + ("街道" if street else rng.choice("镇镇镇乡"))
            town = add(k, code=f"{county.code}{k.numchild + 1:03d}",
                       name=f"中共{place}{'工作委员会' if street else '委员会'}",
                       org_type="working_committee" if street else "committee", unit_category="township",
                       region_code=county.code, founded_on=date(rng.randint(1950, 2012), rng.randint(1, 12), 1),
                       unit_name=f"{county.name}{place}{'办事处' if street else '人民政府'}",
                       contact_phone=phone(city.region.code), address=f"湖南省{city.region.name}{county.name}{place}",
                       city_code=city.region.code, county_code=county.code)
            share = rest // n_town + (1 if t < rest % n_town else 0)
            kinds = URBAN_KINDS if street else RURAL_KINDS
            for _ in range(share):
                county_branches.append(_branch(add, town, _pick(rng, kinds), place, stem, rng, phone,
                                               city.region.code, f"湖南省{city.region.name}{county.name}{place}"))
        # Branch sizes: lognormal by kind, at least 3, summing to the county's members.
        w = [profiles.SIZE_WEIGHT[b.kind] * rng.lognormvariate(0, 0.55) for b in county_branches]
        s = n / sum(w)
        sizes = [max(3, int(x * s)) for x in w]
        diff = n - sum(sizes)
        i = 0
        while diff:
            j = i % len(sizes)
            if diff > 0:
                sizes[j] += 1
                diff -= 1
            elif sizes[j] > 3:
                sizes[j] -= 1
                diff += 1
            i += 1
        for b, size in zip(county_branches, sizes, strict=True):
            b.size = size
        branches += county_branches
    orgs.sort(key=lambda o: o.path)  # parents first, siblings in order
    branches.sort(key=lambda o: o.path)
    return Province(orgs=orgs, branches=branches, cities=cities, counties=counties, members=members)


def _branch(add: Callable[..., OrgRow], parent: OrgRow, kind: str, place: str, stem: Callable[..., str],
            rng: random.Random, phone: Callable[[str], str], city_code: str, area: str) -> OrgRow:
    org_type = {"joint": "joint_branch", "temporary": "temporary_branch"}.get(kind, "branch")
    name = BRANCH_NAME[kind].format(place=place, stem=stem(), industry=rng.choice(vocabularies.INDUSTRIES))
    unit = name.removesuffix("党支部").removesuffix("联合").removesuffix("临时")
    return add(parent, code=f"{parent.code}{parent.numchild + 1:03d}", name=name, org_type=org_type,
               unit_category=str(profiles.UNIT_OF_KIND[kind]), region_code=parent.region_code,
               founded_on=date(rng.randint(1960, 2023), rng.randint(1, 12), rng.randint(1, 28)),
               unit_name=unit, contact_phone=phone(city_code), address=f"{area}{stem()}路{rng.randint(1, 300)}号",
               kind=kind, city_code=city_code, county_code=parent.county_code)


# --------------------------------------------------------------------------------------
# Members: one chunk of branches per task, in a worker process
# --------------------------------------------------------------------------------------

_SURNAMES: list[str] = []
_SURNAME_W: list[float] = []
_PINYIN: dict[str, tuple[str, str]] = {}
_COUNTY_CODES: list[str] = []


def _init_tables() -> None:
    if _SURNAMES:
        return
    from faker.providers.person.zh_CN import Provider

    total = 0.0
    for name, weight in Provider.last_names.items():
        total += weight
        _SURNAMES.append(name)
        _SURNAME_W.append(total)  # cumulative: rng.choices bisects
    for city, table in [*demo_regions.ETHNICITY_BY_CITY.items(), ("", demo_regions.ETHNICITY_DEFAULT)]:
        cum, acc = [], 0.0
        for _e, w in table:
            acc += w
            cum.append(acc)
        _ETHNIC[city] = ([e for e, _ in table], cum)
    _COUNTY_CODES.extend(c.code for city in demo_regions.hunan_regions() for c in city.counties)
    global _FIRST_M, _FIRST_F
    _FIRST_M = list(Provider.first_names_male)
    _FIRST_F = list(Provider.first_names_female)


_FIRST_M: list[str] = []
_FIRST_F: list[str] = []
_ETHNIC: dict[str, tuple[list[str], list[float]]] = {}


def given_name(rng: random.Random, gender: str, birth_year: int) -> str:
    generation = "old" if birth_year < 1962 else "mid" if birth_year < 1985 else "young"
    if rng.random() < 0.45:
        return rng.choice(_FIRST_M if gender == "male" else _FIRST_F)
    pool = vocabularies.GIVEN_NAMES[(generation, gender)]
    if isinstance(pool, tuple):
        first, second = pool
        if rng.random() < 0.2:
            return rng.choice(second)
        return rng.choice(first) + rng.choice(second)
    return rng.choice(pool)


def pinyin(name: str) -> tuple[str, str]:
    keys = _PINYIN.get(name)
    if keys is None:
        keys = _PINYIN[name] = member_rules.pinyin_keys(name)
    return keys


def id_number(region: str, birth: date, station: int, gender: str, taken: set[str],
              rng: random.Random) -> tuple[str, date]:
    """A valid ID number with the given police-station digits; unique within `taken`."""
    digits = "13579" if gender == "male" else "02468"
    start = rng.randrange(5)
    for shift in range(400):
        day = birth - timedelta(days=shift)
        for i in range(5):
            body = f"{region}{day:%Y%m%d}{station:02d}{digits[(start + i) % 5]}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in taken:
                taken.add(number)
                return number, day
    raise RuntimeError("no free ID number")  # pragma: no cover


def draw_member(rng: random.Random, kind: str, county_code: str, station: int, taken: set[str]) -> dict[str, Any]:
    """One member's fields (plain values), as a branch of this kind would have them."""
    (mean, sd, low, high), female = profiles.PROFILES[kind]
    gender = "female" if rng.random() < female else "male"
    age = int(min(high, max(low, rng.gauss(mean, sd))))
    p = 0.35 if age <= 22 else 0.16 if age <= 30 else 0.07 if age <= 40 else 0.02 if age <= 55 else 0.0
    probationary = rng.random() < p
    age = max(age, 19 if probationary else 21)
    birth = add_years(TODAY, -age) - timedelta(days=rng.randint(0, 364))  # exactly `age` today
    region = county_code if rng.random() < 0.85 else rng.choice(_COUNTY_CODES)
    number, birth = id_number(region, birth, station, gender, taken, rng)
    born = birth.toordinal()
    if probationary:
        joined = TODAY.toordinal() - rng.randint(10, 350)
        joined = max(joined, born + 18 * 366 + 1)
        converted = None
    else:
        join_age = min(max(19.0, rng.gauss(27, 6)), max(19, age - 1))
        joined = min(born + int(join_age * 365.25) + rng.randint(1, 300), TODAY.toordinal() - 370)
        joined = max(joined, born + 18 * 366 + 1)
        converted = joined + 365
    applied = max(born + 18 * 366, joined - rng.randint(365, 1400))
    education = profiles.education(rng, kind, age)
    occupation = profiles.occupation(rng, kind, age)
    dues = profiles.dues(rng, occupation)
    standing, standing_since = "normal", None
    r = rng.random()
    if not probationary and age >= 75 and r < 0.03:
        standing, standing_since = "deceased", TODAY - timedelta(days=rng.randint(20, 900))
    elif not probationary and r < 0.004:
        standing, standing_since = "suspended", TODAY - timedelta(days=rng.randint(30, 700))
    outflow = kind in {"village", "community", "private", "joint"} and 20 <= age <= 55 and rng.random() < 0.06
    lost = not outflow and kind in {"village", "community", "private"} and 20 <= age <= 60 and rng.random() < 0.013
    name = rng.choices(_SURNAMES, cum_weights=_SURNAME_W)[0] + given_name(rng, gender, birth.year)
    month = TODAY.month - rng.choice((0, 0, 0, 1, 1, 2, 3))
    paid = date(TODAY.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return {
        "name": name, "gender": gender, "ethnicity": "汉族", "id_number": number, "birth_date": birth,
        "native_place": "湖南", "education": education, "occupation": occupation,
        "member_type": "probationary" if probationary else "full",
        "applied_on": date.fromordinal(min(applied, joined - 365)), "joined_on": date.fromordinal(joined),
        "converted_on": date.fromordinal(converted) if converted else None,
        "standing": standing, "standing_since": standing_since,
        "is_outflow": outflow, "outflow_destination": rng.choice(demo_regions.OUTFLOW_DESTINATIONS) if outflow else "",
        "lost_contact": lost,
        "lost_contact_since": date.fromordinal(max(joined + 1, TODAY.toordinal() - rng.randint(60, 1000)))
        if lost else None,
        "in_hardship": rng.random() < (0.08 if age >= 65 else 0.004), "is_inflow": False,
        "is_party_worker": False, "dues_standard": dues, "dues_paid_until": max(paid, date.fromordinal(joined)),
        "phone": rng.choice(vocabularies.MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}",
    }


def _ethnicity(rng: random.Random, city_code: str) -> str:
    names, cum = _ETHNIC.get(city_code) or _ETHNIC[""]
    return rng.choices(names, cum_weights=cum)[0]


def _text(value: Any) -> str:
    """A value in COPY's text format (our generated text holds no tab, newline or backslash)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


@dataclass
class ChunkTask:
    number: int  # 0…89: the police-station digits
    first_id: int
    seed: int
    branches: list[tuple[int, str, str, str, str, str, int, str]]  # id, kind, county, city, unit, address, size, path
    columns: list[str]
    defaults: dict[str, Any]
    created_at: str


def member_record(rng: random.Random, branch: tuple, station: int, taken: set[str]) -> dict[str, Any]:
    """All the stored fields of one member (encrypted, hashed, masked, pinyin) except id and organization."""
    _org_id, kind, county, city, unit, address, _size, _path = branch
    f = draw_member(rng, kind, county, station, taken)
    f["ethnicity"] = _ethnicity(rng, city)
    f["work_unit"] = unit[:120] if f["occupation"] not in {"retired", "unemployed"} else ""
    f["address"] = address[:200]
    return stored_fields(f)


def stored_fields(plain: dict[str, Any]) -> dict[str, Any]:
    """The columns of a member from its plain values: ID and phone numbers encrypted, hashed,
    masked; pinyin keys (as Member.set_id_number / set_phone and the services compute them)."""
    f = dict(plain)
    number = f.pop("id_number")
    phone = f.pop("phone")
    f["name_pinyin"], f["name_initials"] = pinyin(f["name"])
    f["id_number_encrypted"] = crypto.encrypt(number)
    f["id_number_hash"] = crypto.lookup_hash(number)
    f["id_number_masked"] = member_rules.mask_id_number(number)
    f["phone_encrypted"] = crypto.encrypt(phone)
    f["phone_masked"] = member_rules.mask_phone(phone)
    return f


def build_chunk(task: ChunkTask) -> tuple[int, bytes]:
    """COPY text of one chunk's members; runs in a worker."""
    _init_tables()
    rng = random.Random(task.seed * 1000 + task.number)
    taken: set[str] = set()
    lines: list[str] = []
    member_id = task.first_id
    for branch in task.branches:
        for _ in range(branch[6]):
            f = member_record(rng, branch, task.number, taken)
            f["id"] = member_id
            f["organization_id"] = branch[0]
            f["org_path"] = branch[7]  # the trigger that copies it is off during the load
            f["created_at"] = f["updated_at"] = task.created_at
            member_id += 1
            lines.append("\t".join([_text(f[c] if c in f else task.defaults.get(c)) for c in task.columns]))
    lines.append("")
    return len(lines) - 1, "\n".join(lines).encode()


def member_columns() -> tuple[list[str], dict[str, Any]]:
    """The member table's columns and what to write where the generator has no value
    (robust to columns added later: their default, else NULL or '')."""
    from django.db.models import NOT_PROVIDED

    from dangwu.members.models import Member

    columns, defaults = [], {}
    for f in Member._meta.concrete_fields:
        columns.append(f.column)
        if f.default is not NOT_PROVIDED and not callable(f.default):
            defaults[f.column] = f.default
        elif f.null:
            defaults[f.column] = None
        else:
            defaults[f.column] = ""
    return columns, defaults


def chunk_tasks(province: Province, seed: int) -> list[ChunkTask]:
    columns, defaults = member_columns()
    chunks = min(CHUNKS_MAX, max(2, math.ceil(province.members / 20_000)))
    per_chunk = math.ceil(province.members / chunks)
    created = datetime.now(UTC).isoformat()
    tasks: list[ChunkTask] = []
    current: list[tuple] = []
    count = 0
    first_id = 1
    for b in province.branches:
        current.append((b.id, b.kind, b.county_code, b.city_code, b.unit_name, b.address, b.size, b.path))
        count += b.size
        if count >= per_chunk:
            tasks.append(ChunkTask(len(tasks), first_id, seed, current, columns, defaults, created))
            first_id += count
            current, count = [], 0
    if current:
        tasks.append(ChunkTask(len(tasks), first_id, seed, current, columns, defaults, created))
    if len(tasks) > CHUNKS_MAX:
        raise RuntimeError("too many chunks for the police-station digits")
    return tasks


# --------------------------------------------------------------------------------------
# Writing: COPY with the indexes dropped, then rebuilt
# --------------------------------------------------------------------------------------

ORG_COLUMNS = ["id", "path", "depth", "numchild", "code", "name", "org_type", "unit_name", "unit_category",
               "region_code", "founded_on", "dissolved_on", "contact_phone", "address"]


def _org_lines(province: Province) -> Iterator[bytes]:
    batch: list[str] = []
    for o in province.orgs:
        batch.append("\t".join(_text(getattr(o, c, None)) for c in ORG_COLUMNS))
        if len(batch) >= 20_000:
            yield ("\n".join(batch) + "\n").encode()
            batch = []
    if batch:
        yield ("\n".join(batch) + "\n").encode()


def _secondary_structures(cur, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(constraints (unique, foreign key), plain indexes) of a table, as (name, definition)."""
    cur.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname""",
                [table])
    constraints = cur.fetchall()
    cur.execute("""SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                   WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid
                                   AND c.conrelid = x.indrelid)
                   ORDER BY i.relname""", [table])
    return constraints, cur.fetchall()


def load(dsn: str, province: Province, *, seed: int, processes: int = 2,
         log: Callable[[str], None] = print) -> dict[str, float]:
    """TRUNCATE, COPY (FREEZE) the organizations and members, rebuild indexes and constraints.

    One transaction; the tables' indexes and unique/foreign-key constraints are dropped for
    the COPY and rebuilt after it (sorting once is much faster than 5 M index insertions)."""
    import psycopg

    timings: dict[str, float] = {}
    tasks = chunk_tasks(province, seed)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET synchronous_commit = off")
        cur.execute("TRUNCATE orgs_organization, members_member CASCADE")
        saved: dict[str, tuple[list, list]] = {}
        for table in ("members_member", "orgs_organization"):
            saved[table] = _secondary_structures(cur, table)
        for table, (constraints, _indexes) in saved.items():
            for name, _definition in constraints:
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"')
        for _table, (_constraints, indexes) in saved.items():
            for name, _definition in indexes:
                cur.execute(f'DROP INDEX IF EXISTS "{name}"')

        t = time.perf_counter()
        with cur.copy(f"COPY orgs_organization ({', '.join(ORG_COLUMNS)}) FROM STDIN WITH (FREEZE)") as cp:
            for data in _org_lines(province):
                cp.write(data)
        timings["copy organizations"] = time.perf_counter() - t
        log(f"  {len(province.orgs):,} organizations copied in {timings['copy organizations']:.1f} s")

        t = time.perf_counter()
        columns = tasks[0].columns
        done = 0
        # The member's copy of its organization's path (migration 0010) is written by the
        # generator: the trigger that would look each one up is off for the COPY.
        cur.execute("ALTER TABLE members_member DISABLE TRIGGER members_member_org_path")
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(processes) as pool, \
                cur.copy(f"COPY members_member ({', '.join(columns)}) FROM STDIN WITH (FREEZE)") as cp:
            for n, data in pool.imap(build_chunk, tasks):
                cp.write(data)
                done += n
                if len(tasks) >= 10 and (done * 10 // province.members) != ((done - n) * 10 // province.members):
                    rate = done / (time.perf_counter() - t)
                    log(f"  {done:,} members ({rate:,.0f}/s)")
        timings["generate+encrypt+copy members"] = time.perf_counter() - t
        log(f"  {done:,} members generated, encrypted and copied in {timings['generate+encrypt+copy members']:.1f} s")
        if done != province.members:
            raise RuntimeError(f"wrote {done} members, planned {province.members}")
        cur.execute("ALTER TABLE members_member ENABLE TRIGGER members_member_org_path")

        t = time.perf_counter()
        for table, (constraints, indexes) in saved.items():
            for name, definition in indexes:
                t1 = time.perf_counter()
                cur.execute(definition)
                log(f"  index {name}: {time.perf_counter() - t1:.1f} s")
            for name, definition in constraints:
                t1 = time.perf_counter()
                cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                log(f"  constraint {name}: {time.perf_counter() - t1:.1f} s")
        timings["rebuild indexes and constraints"] = time.perf_counter() - t
        for table in ("orgs_organization", "members_member"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()

    t = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE orgs_organization")
        conn.execute("VACUUM ANALYZE members_member")
    timings["vacuum analyze"] = time.perf_counter() - t
    with psycopg.connect(dsn) as conn:
        stale = conn.execute("SELECT count(*) FROM members_member m JOIN orgs_organization o ON o.id = m.organization_id "
                             "WHERE m.org_path <> o.path").fetchone()[0]
    if stale:
        raise RuntimeError(f"{stale} members' org_path differ from their organization's path")
    return timings


# --------------------------------------------------------------------------------------
# Fresh people for rosters (police-station digits 90…99: never drawn by the bulk load)
# --------------------------------------------------------------------------------------

def fresh_people(branches: list[OrgRow], count: int, *, station: int, seed: int,
                 taken: set[str] | None = None) -> list[tuple[OrgRow, dict[str, Any]]]:
    """`count` new people (plain values) spread over the branches, with unique valid ID numbers."""
    if not 90 <= station <= 99:
        raise ValueError("rosters use police-station digits 90…99")
    _init_tables()
    rng = random.Random(seed * 7919 + station)
    taken = set() if taken is None else taken
    people = []
    for i in range(count):
        b = branches[i % len(branches)]
        f = draw_member(rng, b.kind or "community", b.county_code, station, taken)
        f["ethnicity"] = _ethnicity(rng, b.city_code)
        f["work_unit"] = b.unit_name
        people.append((b, f))
    return people
