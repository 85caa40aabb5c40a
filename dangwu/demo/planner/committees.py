"""The planner of branch committees (支部委员会): who holds which post, for which term.

A 书记 for every branch with 3 full members in good standing; a committee of 3–5 (书记, 组织委员,
宣传委员, then 纪检委员 and 副书记 in larger branches) where there are 7 or more. Terms follow
the orgs rules (5 years for villages and communities, 3 otherwise); about one branch in six
is overdue for re-election (换届), never the demo branch.
"""

from __future__ import annotations

from datetime import timedelta

from dangwu.core.dates import add_years
from dangwu.members.models import Standing
from dangwu.orgs import rules as org_rules
from dangwu.orgs.models import Post

from ..plan import MemberPlan, OrgPlan, PositionPlan
from .base import PlannerBase


class CommitteePlanner(PlannerBase):
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
