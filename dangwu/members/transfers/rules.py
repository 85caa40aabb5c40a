"""Pure rules of transfers (组织关系转接) and mobile members (流动党员): no database, no request.

Dates are calendar dates (Asia/Shanghai). A period of months ends on the same day of the
month that many months later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb);
a letter or certificate is valid up to and including its last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dangwu.core.dates import add_months

NO_CONTACT_MONTHS = 6  # 失去联系满6个月：按规定提出停止党籍的意见
STRIKE_OFF_MONTHS = 24  # 停止党籍满2年仍无联系：按自行脱党予以除名
REPORT_MONTHS = 12  # 流动党员每年至少向原党组织汇报一次
ARREARS_WARNING_MONTHS = 3  # a letter for a member who owes 3 months' dues or more is confirmed first


def arrears_need_confirmation(months_owed: list[date] | tuple[date, ...], *, confirmed: str | None) -> bool:
    """Whether issuing a letter must stop at the warning: the member owes 3 months or more and the
    issuer has not confirmed these very months (`confirmed`: the count the warning showed, as the
    form sends it back — a month owed since then asks again)."""
    return len(months_owed) >= ARREARS_WARNING_MONTHS and confirmed != str(len(months_owed))


def months_list(months: list[date] | tuple[date, ...]) -> str:
    """2026-07、2026-08、2026-09: the months a warning names."""
    return "、".join(f"{m:%Y-%m}" for m in months)


def letter_valid_until(issued_on: date, *, months: int = 3, days: int = 0) -> date:
    """The last day a letter of introduction (介绍信) issued on `issued_on` is valid.

    `days` (when positive) wins over `months`: a deployment may count the period in days.
    """
    if days > 0:
        return issued_on + timedelta(days=days - 1)
    return add_months(issued_on, months) - timedelta(days=1)


def is_expired(valid_until: date | None, on: date) -> bool:
    """A letter or certificate is expired the day after its last valid day."""
    return valid_until is not None and on > valid_until


def letter_number(*, committee_code: str, year: int, sequence: int) -> str:
    """The number of a letter of introduction: sending committee's code, year, sequence (e.g. 4301-2026-0007)."""
    return f"{committee_code}-{year}-{sequence:04d}"


def certificate_number(*, committee_code: str, year: int, sequence: int) -> str:
    """The number of a 流动党员活动证: 流 + committee code, year, sequence (e.g. 流4301-2026-0003)."""
    return f"流{committee_code}-{year}-{sequence:04d}"


def no_contact_due(last_contact_on: date | None, on: date) -> bool:
    """True from the day the member has been out of contact for 6 full months: the home
    organization should consider a 停止党籍 proposal."""
    return last_contact_on is not None and on >= add_months(last_contact_on, NO_CONTACT_MONTHS)


def report_overdue(last_report_on: date | None, since: date, on: date) -> bool:
    """True when no report reached the home organization in the last 12 months (counted from
    the outflow's start when there was none yet)."""
    return on >= add_months(last_report_on or since, REPORT_MONTHS)


def strike_off_due(standing: str, standing_since: date | None, on: date) -> bool:
    """True when the member's party standing has been stopped (停止党籍) for 2 full years:
    the organization should consider striking them off (除名)."""
    return standing == "suspended" and standing_since is not None and on >= add_months(
        standing_since, STRIKE_OFF_MONTHS)


def may_vote_at(member: Any, organization: Any) -> bool:
    """Whether the member may vote and stand for election (表决权、选举权和被选举权) at the organization.

    Only a full member (正式党员) in good standing, at the organization that holds their
    membership. A mobile member taking part in a host organization's life votes at home, not
    there; a probationary member (预备党员) votes nowhere. Any object with `full_in_good_standing`
    (a `Member`: the property is the one home of that rule) and `organization_id` will do, and
    anything with `pk` for the organization.
    """
    if member is None or organization is None:
        return False
    return bool(member.full_in_good_standing) and member.organization_id == getattr(organization, "pk", organization)


@dataclass(frozen=True)
class TransferState:
    """How a transfer shows in the lists: one of outgoing, incoming, done, rejected, expired."""

    key: str
    expired: bool


def transfer_state(*, status: str, valid_until: date | None, on: date, incoming: bool) -> TransferState:
    """The list state of a transfer seen from one side.

    `status` is the stored one (pending, accepted, rejected, completed); a pending letter past
    its validity shows as expired on both sides (the sender may reissue it).
    """
    if status in ("accepted", "completed"):
        return TransferState("done", False)
    if status == "rejected":
        return TransferState("rejected", False)
    if is_expired(valid_until, on):
        return TransferState("expired", True)
    return TransferState("incoming" if incoming else "outgoing", False)
