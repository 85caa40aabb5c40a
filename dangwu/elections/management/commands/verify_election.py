"""Recompute an election's published results (核验选举结果).

    manage.py verify_election ID          every published round of election ID, from the stored
                                          ballots (or the scrutineers' paper counts)
    manage.py verify_election --file F    one round from its downloaded JSON, without the database

Each round prints its result and whether it equals the one published; the command exits with 1
when any differs (or, with the database, when the roll's marks, the trackers and the ballots
disagree)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dangwu.elections import rules


def _describe(result: rules.TallyResult) -> str:
    if not result.valid:
        return f"invalid ({result.reason})"
    votes = ", ".join(f"{name} {n}" for name, n in sorted(result.votes.items(), key=lambda kv: -kv[1]))
    return (f"valid; votes: {votes}; elected: {', '.join(result.elected) or '-'}; tied: {', '.join(result.tied) or '-'}; "
            f"shortfall: {result.shortfall}; void ballots: {result.void_ballots}")


class Command(BaseCommand):
    help = "Recompute an election's published results from its ballots (or from a downloaded round's JSON)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("election", nargs="?", type=int, help="the election's id")
        parser.add_argument("--file", help="a round downloaded as JSON (round.json): verified without the database")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"]:
            ok = self._verify_file(options["file"])
        elif options["election"] is not None:
            ok = self._verify_database(options["election"])
        else:
            raise CommandError("give an election id or --file")
        if not ok:
            raise SystemExit(1)

    def _report(self, label: str, result: rules.TallyResult, published: Any) -> bool:
        import dataclasses

        same = published == json.loads(json.dumps(dataclasses.asdict(result)))
        self.stdout.write(f"{label}: {_describe(result)}")
        self.stdout.write(f"{label}: {'equals the published result' if same else 'DIFFERS from the published result'}")
        return same

    def _verify_file(self, path: str) -> bool:
        from dangwu.elections.selectors import tally_of_export

        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            result = tally_of_export(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        return self._report(f"election {data.get('election')} round {data.get('round')}", result,
                            data.get("published_result"))

    def _verify_database(self, election_id: int) -> bool:
        from dangwu.elections import selectors
        from dangwu.elections.models import Round

        rounds = list(Round.objects.filter(election_id=election_id, status=Round.Status.PUBLISHED)
                      .select_related("election").order_by("number"))
        if not rounds:
            raise CommandError(f"election {election_id} has no published round")
        ok = True
        for round in rounds:
            label = f"election {election_id} round {round.number}"
            if round.mode == Round.Mode.ONLINE:
                counts = selectors.counts(round=round)
                agree = "agree" if counts.agree else "DISAGREE"
                self.stdout.write(f"{label}: roll marks {counts.roll_marks}, trackers {counts.trackers}, "
                                  f"ballots {counts.ballots}: {agree}")
                ok = ok and counts.agree
            ok = self._report(label, selectors.tally_of(round=round), round.result) and ok
        return ok
