"""What happened to some of the people: away for work, lost contact, hardship, a changed standing.

Drawn after a member's record, with rates by branch kind and age: about 6 % of the working-age
members of villages, communities and private firms went away to work (流出党员), a few lost
contact and, after long enough, were suspended (停止党籍); some old members died, a very few
were removed (除名); hardship (生活困难) is common among old villagers.
"""

from __future__ import annotations

from datetime import date, timedelta

from dangwu.members.models import Standing

from ..plan import MemberPlan
from ..regions import OUTFLOW_DESTINATIONS, short_place
from .base import PlannerBase


class EventsPlanner(PlannerBase):
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
            short = short_place(plan.org.county.name) if plan.org.county else "湘"
            document = f"{short}组〔{effective.year}〕{self.rng.randint(1, 60)}号"
        plan.standing_change = {"from_standing": plan.fields["standing"], "to_standing": to,
                                "effective_on": effective, "reason": reason, "document_number": document}
        plan.fields["standing"] = to
        plan.fields["standing_since"] = effective
