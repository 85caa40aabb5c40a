"""Concurrent writers keep the audit chain linear (PostgreSQL: SELECT … FOR UPDATE on the chain head)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from dangwu.core import audit
from dangwu.core.models import AuditEntry, AuditHead

THREADS = 4
WRITES_PER_THREAD = 25

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="concurrent writers need PostgreSQL (SQLite serializes the whole database); "
                              "run with DATABASE_URL=postgres://…"),
]


def write_one(thread: int, i: int) -> None:
    with transaction.atomic():
        audit.record(actor=None, action="test.concurrent", summary={"thread": thread, "i": i})


def writer(thread: int, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        barrier.wait(timeout=30)
        for i in range(WRITES_PER_THREAD):
            write_one(thread, i)
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)
    finally:
        connection.close()


def run_writers() -> list[BaseException]:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=writer, args=(t, barrier, errors)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return errors


def check_chain(total: int) -> None:
    assert AuditEntry.objects.count() == total
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
    report = audit.verify_chain()
    assert report.intact, report.reason
    assert report.checked == total
    head = AuditHead.objects.get(pk=1)
    assert head.last_seq == total
    per_thread = {}
    for summary in AuditEntry.objects.values_list("summary", flat=True):
        per_thread.setdefault(summary["thread"], []).append(summary["i"])
    assert {t: sorted(v) for t, v in per_thread.items()} == {
        t: list(range(WRITES_PER_THREAD)) for t in range(THREADS)
    }


def test_concurrent_writers_from_an_empty_chain():
    """No chain head yet: the writers also race to create it."""
    assert not AuditHead.objects.exists()
    errors = run_writers()
    assert errors == []
    check_chain(THREADS * WRITES_PER_THREAD)


def test_concurrent_writers_extend_an_existing_chain():
    write_one(-1, 0)
    errors = run_writers()
    assert errors == []
    total = THREADS * WRITES_PER_THREAD + 1
    assert AuditEntry.objects.count() == total
    assert audit.verify_chain().intact
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
