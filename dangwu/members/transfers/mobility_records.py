"""Unaudited steps of mobile members' records (流动党员) that another app's audited service takes
inside its own transaction, its one audit entry naming what was written (as `members.records` is
for the member records): organizational life's check-in and attendance record a mobile member's
taking part at the host here (decision 0030)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User

from dangwu.members.models import Member, MobilityRecord, Outflow


def note_participation(*, actor: User | None, member: Member, host: Any, on: date, note: str) -> MobilityRecord | None:
    """The host's record (参加组织生活) of a mobile member who took part in a meeting there, written
    by the caller's own service and audited in its entry (organizational life's check-in and
    attendance call it): None when the member has no open outflow hosted by `host`. Moves the
    outflow's last contact forward, as `record_participation` does."""
    outflow = Outflow.objects.select_for_update(of=("self",)).filter(
        member=member, host_organization=host, returned_on__isnull=True).first()
    if outflow is None or on < outflow.left_on:
        return None
    record = MobilityRecord.objects.create(outflow=outflow, kind=MobilityRecord.Kind.PARTICIPATION, on=on,
                                           note=str(note or "").strip()[:300], organization=host, recorded_by=actor)
    if on > outflow.last_contact_on:
        outflow.last_contact_on = on
        outflow.save(update_fields=["last_contact_on"])
    return record
