"""Pure rules of party elections (党内选举): the tally of one round of voting under the 2020
中国共产党基层组织选举工作条例. No database, no request: the online secret ballot and the paper
ballots the scrutineers count both end here, and anyone in scope can recompute a result from the
published ballots with this one function (`manage.py verify_election`).

The rules, in the order they are applied (`tally`):

1. The round is valid only when those present with the right to vote are MORE than 4/5 of the
   electorate (应到会有选举权的党员), else reason "quorum"; a contested (差额) election needs
   candidates at least 120 % of the seats (more than 20 % more candidates than seats), else
   "margin" (`contested=False` is the 等额 election, e.g. a committee electing its secretary);
   more ballots returned than voters present voids the round ("ballots"). An invalid round elects
   nobody and counts nothing.
2. A ballot marking more names than seats is void: counted in `void_ballots`, its marks ignored. A
   blank ballot abstains on every name and is valid. A name written in (另选他人) counts like any
   candidate's.
3. A name is elected only with "for" votes from MORE than half of those present (基层组织: 应到会
   is not the base; those present are). When more qualify than seats, the highest are elected;
   when the last seats fall on equal votes, those equal names are `tied` (a revote among them
   decides) and only the names above them are elected. `shortfall` is the seats no name qualified
   for (另行选举), not the seats left to a tie's revote.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

QUORUM = Fraction(4, 5)  # those present must be MORE than this share of the electorate
MARGIN = Fraction(6, 5)  # a contested election: candidates at least 120 % of the seats
MAJORITY = Fraction(1, 2)  # "for" votes: MORE than this share of those present

QUORUM_FAILED, MARGIN_FAILED, TOO_MANY_BALLOTS = "quorum", "margin", "ballots"

# A 党小组 has no committee and sends no delegates: it holds none of these elections.
NON_ELECTING_TYPES = frozenset({"group"})


@dataclass(frozen=True)
class TallyResult:
    valid: bool
    reason: str | None
    void_ballots: int = 0
    votes: dict[str, int] = field(default_factory=dict)  # every listed candidate (0 too) and each write-in
    elected: list[str] = field(default_factory=list)  # highest first
    tied: list[str] = field(default_factory=list)  # equal at the last seats: a revote decides
    shortfall: int = 0  # seats nobody qualified for (另行选举)


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def quorum_met(*, electorate: int, present: int) -> bool:
    """More than 4/5 of the electorate present (8 of 10 is not enough, 9 of 10 is)."""
    return present > QUORUM * electorate


def margin_met(*, seats: int, candidates: int) -> bool:
    """A contested election's candidates are at least 120 % of the seats (5 seats: 6 candidates)."""
    return candidates >= MARGIN * seats


def is_elected(*, votes: int, present: int) -> bool:
    """"For" votes from more than half of those present (5 of 10 is not enough, 6 of 10 is)."""
    return votes > MAJORITY * present


def tally(
    *, seats: int, candidates: Sequence[str], electorate: int, present: int,
    ballots: Sequence[Collection[str]], contested: bool = True,
) -> TallyResult:
    """Count one round of voting (see the module's docstring for the rules and their order)."""
    seats, electorate, present = _count(seats, "seats"), _count(electorate, "electorate"), _count(present, "present")
    if seats < 1:
        raise ValueError("seats must be at least 1")
    if present > electorate:
        raise ValueError("present must not exceed the electorate")
    if isinstance(candidates, str) or isinstance(ballots, str | bytes):
        raise ValueError("candidates and ballots must be sequences")
    listed = list(dict.fromkeys(candidates))
    marked = []
    for ballot in ballots:
        if isinstance(ballot, str | bytes) or not isinstance(ballot, Collection):
            raise ValueError("each ballot must be a collection of names")
        marked.append(set(ballot))
    if not quorum_met(electorate=electorate, present=present):
        return TallyResult(valid=False, reason=QUORUM_FAILED)
    if contested and not margin_met(seats=seats, candidates=len(listed)):
        return TallyResult(valid=False, reason=MARGIN_FAILED)
    if len(marked) > present:
        return TallyResult(valid=False, reason=TOO_MANY_BALLOTS)

    votes = dict.fromkeys(listed, 0)
    void = 0
    for names in marked:
        if len(names) > seats:
            void += 1
            continue
        for name in sorted(names):  # write-ins join the count in a stable order
            votes[name] = votes.get(name, 0) + 1
    order = {name: i for i, name in enumerate(votes)}
    ranked = sorted(votes, key=lambda name: (-votes[name], order[name]))
    qualified = [name for name in ranked if is_elected(votes=votes[name], present=present)]
    if len(qualified) <= seats:
        return TallyResult(valid=True, reason=None, void_ballots=void, votes=votes, elected=qualified,
                           shortfall=seats - len(qualified))
    last = votes[qualified[seats - 1]]  # the vote of the last seat
    if votes[qualified[seats]] == last:  # the next name has as many: the seats from there are tied
        elected = [name for name in qualified if votes[name] > last]
        tied = [name for name in qualified if votes[name] == last]
        return TallyResult(valid=True, reason=None, void_ballots=void, votes=votes, elected=elected, tied=tied)
    return TallyResult(valid=True, reason=None, void_ballots=void, votes=votes, elected=qualified[:seats])


# --- the secret ballot: who votes, and paper counts as ballots ---------------------------------

FULL_MEMBER = "full"  # members.MemberType.FULL: only full members vote (党章 第五条)
GOOD_STANDING = "normal"  # members.Standing.NORMAL: not suspended (停止党籍), not expelled, not gone


def may_vote(*, member_type: str, standing: str, under_inspection: bool = False) -> bool:
    """Whether a member belongs to the electorate (有选举权的党员): a full member (正式党员, not a
    probationary one) in good standing (党籍正常: not suspended), not under 留党察看 (a member under
    that sanction has no right to vote, 党章 第四十条). The platform does not yet keep 留党察看 on the
    member record, so callers pass `under_inspection` where they know it."""
    return member_type == FULL_MEMBER and standing == GOOD_STANDING and not under_inspection


def new_tracker() -> str:
    """A tracker (投票凭证码): a hash of a random nonce, 16 hex digits in groups of four. Random, so
    that it says nothing of the voter, the ballot or the time; shown once to the voter."""
    digest = hashlib.sha256(secrets.token_bytes(32)).hexdigest()[:16]
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def paper_ballots(
    *, seats: int, votes: dict[str, int], returned: int, void: int, blank: int,
) -> list[frozenset[str]]:
    """Ballots that count the same as a paper round's counts entered by the scrutineers (监票人):
    `returned` ballots, `void` of them void, `blank` of them marking nobody, and each name's "for"
    votes among the rest — so that paper and online rounds end in the same `tally`.

    The votes of the valid, marked ballots are laid out name after name, each name's votes on
    consecutive ballots wrapping round (McNaughton's wrap-around): a name never lands twice on one
    ballot while its votes do not exceed the ballots, and no ballot carries more names than seats
    while all votes fit. Counts that no set of ballots could give raise ValueError."""
    seats, returned = _count(seats, "seats"), _count(returned, "returned")
    void, blank = _count(void, "void"), _count(blank, "blank")
    if seats < 1:
        raise ValueError("seats must be at least 1")
    if void + blank > returned:
        raise ValueError("void and blank ballots exceed the ballots returned")
    marked = returned - void - blank
    counts = {str(name): _count(n, f"votes of {name}") for name, n in votes.items()}
    total = sum(counts.values())
    if any(n > marked for n in counts.values()):
        raise ValueError("a name has more votes than the valid ballots that mark names")
    if total > seats * marked:
        raise ValueError("the votes exceed what the valid ballots can carry")
    if marked and total < marked:
        raise ValueError("a ballot that marks names marks at least one: fewer votes than such ballots")
    ballots: list[set[str]] = [set() for _ in range(marked)]
    at = 0
    for name, n in counts.items():
        for _ in range(n):
            ballots[at % marked].add(name)
            at += 1
    out = [frozenset(b) for b in ballots] + [frozenset()] * blank
    out += [frozenset(f"\x00void {i} {j}" for j in range(seats + 1)) for i in range(void)]
    return out
