"""Transitional: the organization page reads `mobility.warnings_of` through this old path
(`orgs/views.py` on this branch's base; `members/hooks.py` once the registries of issue 10 are in).

The mobile members' reads and writes live in `members.transfers.mobility_selectors` and
`mobility_services` (docs/decisions/0014-transfers-inside-members.md). Point that one caller at
`members.transfers.mobility_selectors` and delete this module; nothing else may import it.
"""

from .transfers.mobility_selectors import warnings_of

__all__ = ["warnings_of"]
