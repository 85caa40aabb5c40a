"""The planner of the organization tree: 省委 → 14 市委 → every 县市区委 → townships and units → branches.

Every 市州 and 县市区 gets its committee; branches (and the townships and county-level units
above them) only under a few counties, as many as the number of members asks for: the demo
county (芙蓉区, with the demo branch in a street's community) and one county in each of the
areas where most of 湖南's minority peoples live, room permitting.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from dangwu.orgs.models import OrgType, UnitCategory

from ..plan import DemoError, OrgPlan
from ..profiles import FOUNDED_YEARS, UNIT_OF_KIND, pick
from ..regions import DEMO_COUNTY_CODE, MINORITY_CITIES, PROVINCE_CODE, ROOT_NAME, hunan_regions
from ..vocabularies import DEPARTMENTS, HOSPITALS, ORDINALS, SCHOOLS, SOES
from .base import PlannerBase


class TreePlanner(PlannerBase):
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
        return f"湖南省{city}{county}{self.road()}{self.rng.randint(1, 399)}号"

    def branch_founded(self, kind: str, parent: OrgPlan) -> date:
        return self.founded(*FOUNDED_YEARS[kind], not_before=parent.founded_on)

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
            city_org.address = f"湖南省{city.region.name}{self.road()}{self.rng.randint(1, 99)}号"
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
                county_org.address = f"湖南省{city.region.name}{county.name}{self.road()}{self.rng.randint(1, 199)}号"
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
        assert county.county is not None  # townships are planned under county committees only
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
        county_name = township.county.name if township.county else ""
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
                        self.branch(general, "village", f"{village}第{ORDINALS[p]}党支部", village)
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
                self.branch(township, "government", f"{town}机关党支部", f"{county_name}{town}人民政府")
            elif kind == "teacher":
                school = f"{county_name}{town}中心学校"
                self.branch(township, "teacher", f"{school}党支部", school)
            elif kind == "private":
                company = self.company()
                self.branch(township, "private", f"{company}党支部", company)
            elif kind == "joint":
                self.branch(township, "joint", f"{town}非公有制企业联合党支部", f"{town}{self.rng.randint(2, 5)}家非公有制企业",
                            org_type=OrgType.JOINT_BRANCH)
            i += 1
        return demo_branch

    def county_unit(self, county: OrgPlan, name: str, is_district: bool, budget: int) -> int:
        """One county-level unit (机关, school, hospital, enterprise…); returns the branches it added."""
        options = [("government", 3), ("teacher", 2), ("hospital", 1), ("soe", 1.5), ("private", 1.5),
                   ("temporary", 0.4)]
        if is_district:
            options.append(("college", 0.8))
        choice = pick(self.rng, options)
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
            free = [d for d in DEPARTMENTS if f"{name}{d}" not in taken]
            if not free:
                company = self.company()
                self.branch(county, "private", f"{company}党支部", company)
                return 1
            dept = f"{name}{self.rng.choice(free)}"
            self.branch(working, "government", f"{dept}党支部", dept)
            return 1
        if choice == "teacher":
            school = self.unique(lambda: f"{name}{self.rng.choice(SCHOOLS)}")
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
                self.branch(general, "student", f"{college}学生第{ORDINALS[p]}党支部", college)
            return parts
        if choice == "hospital":
            hospital = self.unique(lambda: f"{name}{self.rng.choice(HOSPITALS)}")
            self.branch(county, "hospital", f"{hospital}党支部", hospital)
            return 1
        if choice == "soe":
            soe = self.unique(lambda: f"{name}{self.rng.choice(SOES)}")
            self.branch(county, "soe", f"{soe}党支部", soe)
            return 1
        if choice == "private":
            company = self.company()
            self.branch(county, "private", f"{company}党支部", company)
            return 1
        project = self.unique(lambda: f"{name}{self.road()}建设项目")
        self.branch(county, "temporary", f"{project}临时党支部", project, org_type=OrgType.TEMPORARY_BRANCH)
        return 1

    def add_groups(self, branches: list[OrgPlan]) -> None:
        """党小组 under some larger branches."""
        for b in branches:
            if b.size >= 20 and self.rng.random() < 0.35:
                for g in range(self.rng.randint(2, 3)):
                    self.child(b, name=f"{b.name}第{ORDINALS[g]}党小组", org_type=OrgType.GROUP,
                               unit_category=b.unit_category, unit_name=b.unit_name, code_width=2,
                               founded=self.day_between(b.founded_on, self.today - timedelta(days=60)))
