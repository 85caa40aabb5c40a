"""The hash-chained audit log: linking, verification, and detection of every kind of tampering."""

from __future__ import annotations

import hashlib
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from dangwu.core import audit
from dangwu.core.models import AuditEntry, AuditHead

needs_sm3 = pytest.mark.skipif("sm3" not in hashlib.algorithms_available,
                               reason="this OpenSSL build has no SM3")


def write(n: int, *, start: int = 0, **kwargs) -> list[AuditEntry]:
    entries = []
    for i in range(start, start + n):
        with transaction.atomic():
            entries.append(audit.record(actor=None, action=f"test.write{i}", summary={"i": i, "名": "张三"},
                                        **kwargs))
    return entries


def verify_command() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def assert_broken_at(seq: int) -> None:
    report = audit.verify_chain()
    assert not report.intact
    assert report.broken_seq == seq, report.reason
    with pytest.raises(CommandError) as info:
        verify_command()
    message = str(info.value)
    assert re.search(rf"#{seq}\b", message), message
    # no other (earlier) entry is blamed
    blamed = {int(n) for n in re.findall(r"#(\d+)", message)}
    assert min(blamed) >= seq - 1, message


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="test.outside")
    assert AuditEntry.objects.count() == 0


def test_entries_are_linked(db):
    entries = write(4)
    stored = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in stored] == [1, 2, 3, 4]
    assert stored[0].prev_hash == "0" * 64 == audit.GENESIS
    for before, after in zip(stored, stored[1:], strict=False):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in stored}) == 4
    assert [e.hash for e in entries] == [e.hash for e in stored]
    for entry in stored:
        assert entry.algorithm == "sha256"
        assert entry.hash == hashlib.sha256(audit.canonical(entry)).hexdigest()
    head = AuditHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (4, stored[-1].hash)


def test_entry_records_actor_target_and_organization(people, world):
    with transaction.atomic():
        entry = audit.record(actor=people["secretary"], action="test.target", target=people["m_plain"],
                             organization=world.branch_a, summary={"x": 1})
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor == people["secretary"] and stored.actor_name == "sec_a"
    assert (stored.target_type, stored.target_id) == ("members.member", str(people["m_plain"].pk))
    assert stored.organization_id_value == world.branch_a.pk
    assert audit.verify_chain().intact


def test_empty_chain_is_intact(db):
    report = audit.verify_chain()
    assert report.intact and report.checked == 0
    assert "intact" in verify_command()


def test_intact_chain(db):
    write(5)
    report = audit.verify_chain()
    assert report.intact
    assert report.checked == 5
    output = verify_command()
    assert "intact" in output
    assert "5" in output


def test_verify_in_small_batches(db):
    write(7)
    assert audit.verify_chain(batch_size=2).checked == 7


def test_altered_summary(db):
    write(5)
    AuditEntry.objects.filter(seq=3).update(summary={"i": 999})
    assert_broken_at(3)


def test_altered_action(db):
    write(5)
    AuditEntry.objects.filter(seq=2).update(action="test.innocent")
    assert_broken_at(2)


def test_altered_first_entry(db):
    write(5)
    AuditEntry.objects.filter(seq=1).update(actor_name="someone")
    assert_broken_at(1)


def test_altered_time(db):
    entries = write(5)
    AuditEntry.objects.filter(seq=4).update(created_at=entries[3].created_at.replace(year=2001))
    assert_broken_at(4)


def test_deleted_middle_entry(db):
    write(5)
    AuditEntry.objects.filter(seq=3).delete()
    assert_broken_at(3)


def test_deleted_last_entry(db):
    write(5)
    AuditEntry.objects.filter(seq=5).delete()
    assert_broken_at(5)


def test_deleted_last_two_entries(db):
    write(5)
    AuditEntry.objects.filter(seq__gte=4).delete()
    assert_broken_at(4)


def test_swapped_entries(db):
    write(5)
    AuditEntry.objects.filter(seq=2).update(seq=-2)
    AuditEntry.objects.filter(seq=4).update(seq=2)
    AuditEntry.objects.filter(seq=-2).update(seq=4)
    assert_broken_at(2)


def test_rehashed_entry_breaks_the_next_link(db):
    """An attacker who alters an entry and recomputes its hash still breaks the link after it."""
    write(5)
    entry = AuditEntry.objects.get(seq=3)
    entry.summary = {"i": "forged"}
    new_hash = audit.digest(entry.algorithm, audit.canonical(entry))
    AuditEntry.objects.filter(seq=3).update(summary=entry.summary, hash=new_hash)
    assert_broken_at(4)


def test_unknown_algorithm_in_the_table_is_reported(db):
    write(3)
    AuditEntry.objects.filter(seq=2).update(algorithm="md5")
    assert_broken_at(2)


def test_unknown_algorithm_in_settings_is_refused(db, settings):
    settings.DANGWU_AUDIT_HASH = "md5"
    with pytest.raises(ValueError), transaction.atomic():
        audit.record(actor=None, action="test.md5")
    assert AuditEntry.objects.count() == 0


def test_chain_continues_after_verification(db):
    write(2)
    assert audit.verify_chain().intact
    write(2, start=2)
    assert audit.verify_chain().checked == 4


def test_numbers_in_summaries_survive_the_database_round_trip(db):
    """jsonb (PostgreSQL) re-renders numbers; the chain must still verify."""
    with transaction.atomic():
        audit.record(actor=None, action="test.numbers",
                     summary={"big": 1e20, "small": 1.5e-7, "tenth": 0.1, "int": 10**30, "nan": float("nan"),
                              "nested": [1.0, {"x": 2.5}]})
    stored = AuditEntry.objects.get()
    assert stored.summary["int"] == 10**30
    assert stored.summary["big"] == "1e+20"
    assert stored.summary["nested"] == ["1.0", {"x": "2.5"}]
    report = audit.verify_chain()
    assert report.intact, report.reason


@needs_sm3
def test_sm3_chain(db, settings):
    settings.DANGWU_AUDIT_HASH = "sm3"
    write(3)
    stored = list(AuditEntry.objects.order_by("seq"))
    assert {e.algorithm for e in stored} == {"sm3"}
    for entry in stored:
        assert entry.hash == hashlib.new("sm3", audit.canonical(entry)).hexdigest()
        assert entry.hash != hashlib.sha256(audit.canonical(entry)).hexdigest()
    assert audit.verify_chain().intact
    assert "intact" in verify_command()


@needs_sm3
def test_mixed_algorithms_verify(db, settings):
    write(2)
    settings.DANGWU_AUDIT_HASH = "sm3"
    write(2, start=2)
    settings.DANGWU_AUDIT_HASH = "sha256"
    write(1, start=4)
    assert list(AuditEntry.objects.order_by("seq").values_list("algorithm", flat=True)) == [
        "sha256", "sha256", "sm3", "sm3", "sha256",
    ]
    report = audit.verify_chain()
    assert report.intact and report.checked == 5
    assert "intact" in verify_command()


@needs_sm3
def test_tampered_sm3_entry_is_caught(db, settings):
    write(2)
    settings.DANGWU_AUDIT_HASH = "sm3"
    write(2, start=2)
    AuditEntry.objects.filter(seq=3).update(summary={"i": 0})
    assert_broken_at(3)


@needs_sm3
def test_relabelled_algorithm_is_caught(db, settings):
    settings.DANGWU_AUDIT_HASH = "sm3"
    write(3)
    AuditEntry.objects.filter(seq=2).update(algorithm="sha256")
    assert_broken_at(2)
