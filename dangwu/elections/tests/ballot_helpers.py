"""What the secret ballot's tests share: a branch with its voters, an election with a round open."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dangwu import testing
from dangwu.elections import services
from dangwu.elections.models import Election, Round

CANDIDATES = ["王一", "李二", "张三丰", "赵四", "钱五", "孙六"]


@dataclass
class Branch:
    secretary: Any
    voters: list[Any] = field(default_factory=list)  # accounts, with a member record in the branch
    members: list[Any] = field(default_factory=list)


def branch_with_voters(world: testing.World, n: int, *, prefix: str = "voter") -> Branch:
    secretary = testing.make_user(f"{prefix}_sec", ("branch_secretary", world.branch_a))
    branch = Branch(secretary=secretary)
    for i in range(n):
        user = testing.make_user(f"{prefix}_{i}")
        branch.voters.append(user)
        branch.members.append(testing.make_member(world.branch_a, name=f"党员{i:03d}", user=user))
    return branch


def election_with_open_round(world: testing.World, branch: Branch, *, seats: int = 5, mode: str = "online",
                             present: int | None = None, scrutineers: int = 1) -> tuple[Election, Round]:
    election = services.create_election(actor=branch.secretary, organization=world.branch_a, title="支部委员会换届选举",
                                        kind="committee", seats=seats)
    services.set_candidates(actor=branch.secretary, election=election, names=CANDIDATES)
    round = services.open_round(actor=branch.secretary, election=election, mode=mode,
                                present=len(branch.members) if present is None else present,
                                scrutineers=branch.members[:scrutineers])
    return election, round
