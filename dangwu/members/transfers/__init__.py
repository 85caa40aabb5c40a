"""Transfers of organizational relations (组织关系转接) and mobile members (流动党员), a section of the
members app with the rooms of any app: `rules` (pure), `services` and `mobility_services` (every
write), `selectors` and `mobility_selectors` (every read, and the committees' number series),
`views`, `api`, `forms`, `letters`.

Its models (`Transfer`, `Outflow`, `MobilityRecord`) and audit actions (`AuditAction.MEMBER_TRANSFER_*`,
`MEMBER_OUTFLOW_*`) stay in `members.models`: a member moves between organizations through
`members.records.relocate_member`, in the same transaction.
See docs/decisions/0008-transfers.md and 0014-transfers-inside-members.md.
"""
