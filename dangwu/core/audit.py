"""The hash-chained audit log (审计日志).

Every service calls `record()` inside its own transaction. The chain's tip lives in one
row (`AuditHead`) that `record()` locks with SELECT … FOR UPDATE (on SQLite the
IMMEDIATE transaction holds the database write lock), so concurrent writers line up
and each entry's `prev_hash` is the hash of the entry before it.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from .models import AuditEntry, AuditHead

GENESIS = "0" * 64


def digest(algorithm: str, payload: bytes) -> str:
    if algorithm not in {"sha256", "sm3"}:
        raise ValueError(f"unknown audit hash algorithm {algorithm!r}")
    return hashlib.new(algorithm, payload).hexdigest()


def canonical(entry: AuditEntry) -> bytes:
    """The bytes an entry's hash covers: every field but the hash itself."""
    body = {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_repr": entry.target_repr,
        "organization": entry.organization_id_value,
        "summary": entry.summary,
        "ip": entry.ip_address,
        "algorithm": entry.algorithm,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """Where a write came from, as its audit entry keeps it. Services take this value, never the
    request: a background task or a command has no request, and passes `Origin.SYSTEM` or None."""

    ip: str = ""

    @classmethod
    def of(cls, request: Any) -> Origin | None:
        """The origin of a page's or API call's request (None without one)."""
        if request is None:
            return None
        return cls(ip=(request.META.get("REMOTE_ADDR") or "")[:45])


def origin_of(request: Any) -> Origin | None:
    """What views pass to services as `origin=`."""
    return Origin.of(request)


def _client_ip(request: Any) -> str:
    if request is None:
        return ""
    if isinstance(request, Origin):
        return request.ip[:45]
    return (request.META.get("REMOTE_ADDR") or "")[:45]


# --- the service contract: one entry of the declared action --------------------------------------

_recorded: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("dangwu_audit_recorded", default=None)
# Entries that must stand whatever the service's transaction does (`record_standing`), written once it ends.
_standing: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "dangwu_audit_standing", default=None)
F = TypeVar("F", bound=Callable[..., Any])


class AuditContractError(RuntimeError):
    """A service recorded other audit entries than the one it declared."""


def audited(action: str, *, noop_allowed: bool = False) -> Callable[[F], F]:
    """Declare that a service records exactly one audit entry of `action` (none at all when
    `noop_allowed` and it changed nothing), and run it in one transaction.

    The entries the service itself records are counted (those of services it calls count for
    them); a mismatch raises AuditContractError where DANGWU_AUDIT_CONTRACT is "raise" (the test
    settings) and is logged elsewhere, so that production never fails a user's write for it.
    """

    def decorator(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            standing: list[dict[str, Any]] = []
            outer = _standing.get()  # a service calling this one: its own end writes them
            standing_token = _standing.set(standing)
            try:
                with transaction.atomic():
                    token = _recorded.set([])
                    try:
                        result = fn(*args, **kwargs)
                        written = list(_recorded.get() or [])
                    finally:
                        _recorded.reset(token)
                    if written != [action] and not (noop_allowed and not written):
                        message = f"{fn.__module__}.{fn.__qualname__} declared {action!r} and recorded {written!r}"
                        if getattr(settings, "DANGWU_AUDIT_CONTRACT", "log") == "raise":
                            raise AuditContractError(message)
                        logger.error(message)
                    return result
            finally:
                _standing.reset(standing_token)
                if outer is not None:
                    outer.extend(standing)
                elif standing:  # after the service's transaction, committed or rolled back
                    _write_standing(standing)

        wrapper.audit_action = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def _write_standing(entries: list[dict[str, Any]]) -> None:
    token = _recorded.set(None)  # outside any service's one-entry contract
    try:
        with transaction.atomic():
            for entry in entries:
                record(**entry)
    finally:
        _recorded.reset(token)


def record_standing(**entry: Any) -> None:
    """Record an entry (the arguments of `record`) that must stand even when the service that finds
    it fails and its transaction rolls back: a refused look-up of something outside the caller's
    scope, found while checking input that is then refused. Inside an `audited` service it is
    written once the service's transaction has ended (outside its one-entry contract); elsewhere
    at once, in a transaction of its own."""
    pending = _standing.get()
    if pending is not None:
        pending.append(entry)
        return
    _write_standing([entry])


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    organization: Any = None,
    summary: dict[str, Any] | None = None,
    origin: Origin | None = None,
    request: Any = None,
) -> AuditEntry:
    """Append one entry to the chain. Must run inside the caller's transaction. `origin` says where
    the write came from (`request` is the older spelling of the same, kept while callers move)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the service's transaction")
    recorded = _recorded.get()
    if recorded is not None:
        recorded.append(str(action))
    head, _ = AuditHead.objects.get_or_create(pk=1)
    head = AuditHead.objects.select_for_update().get(pk=1)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        actor=actor_obj,
        actor_name=(actor_obj.get_username() if actor_obj else "")[:150],
        action=str(action),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        organization_id_value=getattr(organization, "pk", organization),
        # Floats are kept as their text: PostgreSQL's jsonb re-renders numbers (1e20 comes back as
        # the integer 100000000000000000000), which would make verify_chain report a false alteration.
        summary=json.loads(json.dumps(summary or {}, ensure_ascii=False, default=str),
                           parse_float=str, parse_constant=str),
        ip_address=_client_ip(origin if origin is not None else request),
        algorithm=settings.DANGWU_AUDIT_HASH,
        prev_hash=head.last_hash,
    )
    entry.hash = digest(entry.algorithm, canonical(entry))
    entry.save()
    head.last_seq = entry.seq
    head.last_hash = entry.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the chain in order; report the first entry that was altered, removed or reordered."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"entry #{expected_seq} is missing (next found is #{entry.seq})")
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.seq, f"entry #{entry.seq} does not link to the entry before it")
        try:
            actual = digest(entry.algorithm, canonical(entry))
        except ValueError as exc:
            return ChainReport(checked, entry.seq, f"entry #{entry.seq}: {exc}")
        if actual != entry.hash:
            return ChainReport(checked, entry.seq, f"entry #{entry.seq} was altered (its hash does not match)")
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is None and checked:
        return ChainReport(checked, checked + 1, "the chain head is missing (entries may have been removed)")
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return ChainReport(checked, checked + 1, f"entries after #{checked} were removed (the chain head is #{head.last_seq})")
    return ChainReport(checked)
