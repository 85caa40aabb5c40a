"""The planner of the people: how many in each branch, who they are, and their records.

Each member is drawn from the profile of their branch's kind (`profiles`): age and sex, an ID
number whose region, birth date and sex agree with the record (check digit right), a name
fitting their generation, education, occupation and work, the dates of their party life
(applied, joined, converted), their dues, and now and then a member who went away to work,
lost contact, fell into hardship, died or had their standing changed (`events`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from stdnum.cn import ric

from dangwu.core.dates import add_months, add_years, month_start
from dangwu.members import rules as member_rules
from dangwu.members.models import Standing

from .. import profiles
from ..accounts import DEMO_MEMBER_NAME, DEMO_SECRETARY_NAME
from ..plan import DemoError, MemberPlan, OrgPlan
from ..profiles import PROFILES, SIZE_WEIGHT, pick
from ..regions import ETHNIC_IN_NAME, ETHNICITY_BY_CITY, ETHNICITY_DEFAULT, OTHER_NATIVE_PLACES, short_place
from ..vocabularies import GIVEN_NAMES, SHOPS
from .events import EventsPlanner


class PeoplePlanner(EventsPlanner):
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

    def given_name(self, gender: str, birth_year: int) -> str:
        generation = "old" if birth_year < 1962 else "mid" if birth_year < 1985 else "young"
        if self.rng.random() < 0.45:
            return self.fake.first_name_male() if gender == "male" else self.fake.first_name_female()
        pool = GIVEN_NAMES[(generation, gender)]
        if isinstance(pool, tuple):
            first, second = pool
            if self.rng.random() < 0.2:
                return self.rng.choice(second)
            return self.rng.choice(first) + self.rng.choice(second)
        return self.rng.choice(pool)

    def ethnicity(self, branch: OrgPlan) -> str:
        county = branch.county.name if branch.county else ""
        own = [e for e in ETHNIC_IN_NAME if e in county]
        if own:
            weights = [(e, 50 / len(own)) for e in own] + [("汉族", 46), ("土家族" if "土家族" not in own else "回族", 4)]
            return pick(self.rng, weights)
        return pick(self.rng, ETHNICITY_BY_CITY.get(branch.city_code, ETHNICITY_DEFAULT))

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

    def job(self, kind: str, occupation: str, age: int, branch: OrgPlan) -> tuple[str, str, str]:
        """(work unit, job title, professional title)."""
        rng = self.rng
        if occupation == "retired":
            unit = branch.unit_name if kind in {"retired", "teacher", "government", "soe"} else ""
            return (f"原{unit}" if unit else "", "", "")
        if occupation == "farmer":
            return branch.unit_name, pick(rng, [("", 70), ("村民小组长", 15), ("村委会委员", 8),
                                                ("村务监督委员会委员", 7)]), ""
        if occupation == "student":
            return branch.unit_name, "学生", ""
        if kind == "government":
            title = pick(rng, [("一级科员", 20), ("四级主任科员", 20), ("三级主任科员", 15), ("副科长", 15),
                               ("科长", 15), ("副局长", 8), ("办公室主任", 7)])
            return branch.unit_name, title, ""
        if kind == "teacher":
            title = pick(rng, [("教师", 55), ("班主任", 20), ("教研组长", 10), ("年级组长", 8), ("教务主任", 5),
                               ("副校长", 2)])
            grade = ("二级教师" if age < 30 else "一级教师" if age < 42
                     else "正高级教师" if rng.random() < 0.04 else "高级教师")
            return branch.unit_name, title, grade
        if kind == "hospital":
            if rng.random() < 0.4:
                grade = "护师" if age < 32 else "主管护师" if age < 48 else "副主任护师"
                return branch.unit_name, pick(rng, [("护士", 80), ("护士长", 20)]), grade
            grade = "住院医师" if age < 32 else "主治医师" if age < 42 else "副主任医师" if age < 52 else "主任医师"
            return branch.unit_name, pick(rng, [("医师", 70), ("科室主任", 20), ("药师", 10)]), grade
        if kind in {"village", "community"}:
            if occupation == "other" and kind == "community":
                return branch.unit_name, pick(rng, [("社区网格员", 40), ("社区居委会委员", 30), ("社区工作者", 30)]), ""
            if occupation == "other":
                return branch.unit_name, "村级后备干部", ""
            if occupation == "self_employed":
                return self.stem() + self.rng.choice(SHOPS), "个体经营者", ""
            if occupation == "unemployed":
                return "", "", ""
            return self.company(), pick(rng, [("职员", 60), ("技术员", 20), ("部门经理", 20)]), ""
        if occupation == "professional":
            grade = "助理工程师" if age < 30 else "工程师" if age < 45 else "高级工程师"
            return branch.unit_name, "工程技术人员", grade
        if occupation == "self_employed":
            return branch.unit_name, "个体经营者", ""
        title = pick(rng, [("职员", 25), ("技术员", 20), ("班组长", 12), ("车间主任", 8), ("财务人员", 8),
                           ("项目经理", 10), ("部门经理", 10), ("办公室主任", 7)])
        return branch.unit_name, title, ""

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
            native = "湖南" + short_place(home.name)
        else:
            native = "湖南" + short_place(city)
        occupation = occupation or profiles.occupation(rng, kind, age)
        education = profiles.education(rng, kind, age)
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
            address = (f"湖南省{self.city_names[branch.city_code]}{county}{self.road()}"
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
            "dues_standard": profiles.dues(rng, occupation),
        }
        plan = MemberPlan(org=branch, id_number=id_number, phone=self.mobile(), fields=fields)
        paid_back = pick(rng, [(0, 50), (1, 30), (2, 10), (rng.randint(3, 11), 10)])
        if not plain:
            self.flags(plan, kind, age)
        if fields["lost_contact"]:
            paid_back = max(paid_back, (self.today - fields["lost_contact_since"]).days // 30)
        paid = add_months(month_start(self.today), -paid_back)
        if fields["standing"] == Standing.DECEASED:
            paid = month_start(fields["standing_since"])
        fields["dues_paid_until"] = max(paid, month_start(joined))
        return plan

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
