"""The demo branch's election obeys the ballot's own rules: the three counts agree, the stored
result is the tally of the stored ballots, and `verify_election` says so."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from dangwu.elections import selectors
from dangwu.elections.models import Round

pytestmark = pytest.mark.django_db


def test_the_demo_election_is_published_and_recomputes(demo_province, capsys):
    round = Round.objects.select_related("election").get(status=Round.Status.PUBLISHED)
    counts = selectors.counts(round=round)
    assert counts.agree and counts.ballots == round.present <= round.electorate
    assert round.present * 5 > round.electorate * 4  # the quorum holds
    assert round.result == selectors.result_as_dict(selectors.tally_of(round=round))
    assert round.result["valid"] and round.result["elected"]
    assert not round.scrutineers.filter(name__in=round.candidates).exists()
    call_command("verify_election", str(round.election_id))
    assert "equals the published result" in capsys.readouterr().out
