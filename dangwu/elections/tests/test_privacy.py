"""The secret ballot keeps who voted and how apart (issue 14, decision 0031): members vote through
the real page, then every table of the database, the sessions, the cookies and the log are read,
and nothing joins a voter to a ballot's content, a ballot's id or a tracker."""

from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection

from dangwu.core.models import AuditEntry
from dangwu.elections import selectors, services
from dangwu.elections.models import Ballot, Tracker

from .ballot_helpers import branch_with_voters, election_with_open_round

pytestmark = pytest.mark.django_db

VOTERS = 4


def _all_rows() -> dict[str, list[str]]:
    """Every row of every table of the database, as text (the administrator's view)."""
    out: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (introspected names)
            out[table] = [" | ".join(str(v) for v in row) for row in cursor.fetchall()]
    return out


def _columns(model) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, model._meta.db_table)}


def _markers(ballot_ids, trackers, write_ins) -> list[str]:
    """The strings that would give a ballot away: its ids (as PostgreSQL and SQLite store a UUID),
    its trackers, and the write-in that made each ballot's content unique."""
    return [*(str(i) for i in ballot_ids), *(i.hex for i in ballot_ids), *trackers, *write_ins]


def test_no_table_no_session_no_cookie_and_no_log_joins_a_voter_to_a_ballot(world, client, caplog):
    caplog.set_level(logging.DEBUG)
    branch = branch_with_voters(world, VOTERS, prefix="secret")
    election, round = election_with_open_round(world, branch)
    write_ins = [f"writein{secrets.token_hex(6)}" for _ in branch.voters]  # ASCII: JSON columns escape Chinese
    trackers = []
    for user, write_in in zip(branch.voters, write_ins, strict=True):
        client.force_login(user)
        response = client.post(f"/elections/rounds/{round.pk}/vote/", {"names": ["王一", "李二"], "write_ins": write_in})
        assert response.status_code == 200
        tracker = re.search(r'id="tracker">([0-9a-f-]{19})<', response.content.decode()).group(1)
        trackers.append(tracker)
        cookies = " ".join(str(c) for c in response.cookies.values())
        assert tracker not in cookies and write_in not in cookies  # not in a message cookie either
    ids_while_open = list(Ballot.objects.values_list("id", flat=True))
    services.close_round(actor=branch.voters[0], round=round)
    ids_after_close = list(Ballot.objects.values_list("id", flat=True))
    assert not set(ids_while_open) & set(ids_after_close)  # closing wrote the ballots again, in a random order
    assert sorted(trackers) == selectors.trackers(round=round)

    # the ballot and tracker tables hold nothing but a random id, the round and the content / code
    assert _columns(Ballot) == {"id", "round_id", "content"}
    assert _columns(Tracker) == {"id", "round_id", "code"}

    markers = _markers(ids_while_open + ids_after_close, trackers, write_ins)
    voters = [u.username for u in branch.voters] + [m.name for m in branch.members]
    rows = _all_rows()
    for table, table_rows in rows.items():
        for row in table_rows:
            found = [m for m in markers if m in row]
            if table in (Ballot._meta.db_table, Tracker._meta.db_table):
                assert not any(v in row for v in voters), (table, row)
                continue
            # no other table holds a ballot's id, its content or a tracker — beside a voter or not
            assert not found, (table, row, found)
    # the write-ins are there, in the ballots only; each tracker, in the tracker table only
    ballot_rows = " ".join(rows[Ballot._meta.db_table])
    assert all(w in ballot_rows for w in write_ins)
    assert all(t in " ".join(rows[Tracker._meta.db_table]) for t in trackers)

    for session in Session.objects.all():  # the sessions, decoded
        data = str(SessionStore().decode(session.session_data))
        assert not [m for m in markers if m in data], data

    # the audit entries of casting name the round, never the ballot or the tracker
    casts = list(AuditEntry.objects.filter(action="elections.cast"))
    assert len(casts) == VOTERS
    assert {(e.target_type, e.target_id) for e in casts} == {("elections.round", str(round.pk))}
    assert all(e.summary == {"round": round.number} for e in casts)

    logged = "\n".join(r.getMessage() + " " + str(getattr(r, "args", "")) for r in caplog.records)
    assert not [m for m in markers if m in logged]
    var = Path(settings.BASE_DIR) / "var"
    for log in var.glob("**/*.log"):
        text = log.read_text(errors="replace")
        assert not [m for m in markers if m in text], log
    assert election.pk  # (the election itself is public)
