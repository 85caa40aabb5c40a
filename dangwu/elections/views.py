"""Pages of the secret ballot (无记名投票): the elections of the scope and a member's own, setting up
an election, its candidate list and its rounds, the voting page (on phones), the scrutineers' close
and paper count, the publication (公布) of a round and its download. Thin: parse, call one service
or selector, render."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangwu.core import access, formtools
from dangwu.core.roles import Cap

from . import rules, selectors, services
from .forms import CandidatesForm, ElectionForm, OpenRoundForm, PaperCountForm, VoteForm
from .models import Election, Round


def _election(request, election_id: int) -> Election:
    return access.get_in_scope_or_404(request, selectors.elections_visible(actor=request.user), pk=election_id)


def _managed(request, election: Election) -> None:
    if not access.can(request.user, Cap.ELECTIONS_MANAGE, election.organization):
        raise Http404


def _round(request, round_id: int) -> Round:
    return access.get_in_scope_or_404(request, selectors.rounds_visible(actor=request.user), pk=round_id)


_write = formtools.call_for_form  # one service for a form, its refusal beside the fields
_act = formtools.call_for_button  # one service of a button, its refusal an error message


@access.page()
def home(request):
    """党内选举: the rounds waiting for the caller's vote, and the elections they may see."""
    own = selectors.own_member(user=request.user)
    return render(request, "elections/home.html", {
        "to_vote": list(selectors.open_rounds_to_vote(member=own)) if own is not None else [],
        "elections": selectors.elections_visible(actor=request.user)[:100],
        "managed": selectors.organizations_managed(actor=request.user)[:20],
    })


@access.page(Cap.ELECTIONS_MANAGE)
def create(request, org_id: int):
    organization = access.get_in_scope_or_404(request, selectors.organizations_managed(actor=request.user),
                                              pk=org_id)
    form = ElectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        election = _write(request, form, services.create_election, _("选举已建立，请确定候选人名单。"),
                          organization=organization, **form.cleaned_data)
        if election is not None:
            return redirect("elections:detail", election.pk)
    return render(request, "elections/create.html", {"org": organization, "form": form},
                  status=400 if form.errors else 200)


def _detail_context(request, election: Election, **forms: Any) -> dict[str, Any]:
    can_manage = access.can(request.user, Cap.ELECTIONS_MANAGE, election.organization)
    candidates = selectors.candidate_names(election=election)
    rounds = list(election.rounds.order_by("number"))
    current = next((r for r in rounds if r.status != Round.Status.PUBLISHED), None)
    context: dict[str, Any] = {"election": election, "candidates": candidates, "rounds": rounds, "current": current,
                               "can_manage": can_manage}
    if current is not None:
        context.update(counts=selectors.counts(round=current),
                       is_scrutineer=selectors.is_scrutineer(round=current, user=request.user),
                       own_entry=selectors.roll_entry(round=current, user=request.user),
                       scrutineer_names=[m.name for m in current.scrutineers.order_by("name_pinyin")])
    if can_manage and current is None and election.status != Election.Status.DONE:
        context.update(
            candidates_form=forms.get("candidates_form") or CandidatesForm(initial={"names": "\n".join(candidates)}),
            round_form=forms.get("round_form") or OpenRoundForm(
                scrutineers=selectors.scrutineer_choices(organization=election.organization)),
            electorate=len(selectors.electorate(organization=election.organization)),
            margin_needed=math.ceil(rules.MARGIN * election.seats) if election.contested else None)
    return context


@access.page()
def detail(request, election_id: int):
    return render(request, "elections/detail.html", _detail_context(request, _election(request, election_id)))


@require_POST
@access.page(Cap.ELECTIONS_MANAGE)
def candidates(request, election_id: int):
    election = _election(request, election_id)
    _managed(request, election)
    form = CandidatesForm(request.POST)
    if form.is_valid() and _write(request, form, services.set_candidates, _("候选人名单已保存。"), election=election,
                                  names=form.cleaned_data["names"]) is not None:
        return redirect("elections:detail", election.pk)
    return render(request, "elections/detail.html", _detail_context(request, election, candidates_form=form),
                  status=400)


@require_POST
@access.page(Cap.ELECTIONS_MANAGE)
def open_round(request, election_id: int):
    election = _election(request, election_id)
    _managed(request, election)
    form = OpenRoundForm(request.POST, scrutineers=selectors.scrutineer_choices(organization=election.organization))
    if form.is_valid():
        data = form.cleaned_data
        round = _write(request, form, services.open_round, _("投票已开始。"), election=election, mode=data["mode"],
                       present=data["present"],
                       scrutineers=selectors.members_of(organization=election.organization, ids=data["scrutineers"]))
        if round is not None:
            return redirect("elections:detail", election.pk)
    return render(request, "elections/detail.html", _detail_context(request, election, round_form=form), status=400)


@never_cache
@access.page()
def vote(request, round_id: int):
    """The voting page (on the phone). The tracker is shown in the answer to the casting itself and
    kept nowhere else: not in the session, not in a message, not in a URL."""
    round = _round(request, round_id)
    entry = selectors.roll_entry(round=round, user=request.user)
    if entry is None or round.mode != Round.Mode.ONLINE:
        raise Http404
    form = VoteForm(request.POST or None, candidates=list(round.candidates))
    context: dict[str, Any] = {"round": round, "election": round.election, "form": form, "voted": entry.voted,
                               "seats": round.election.seats}
    if request.method == "POST" and form.is_valid():
        tracker = _write(request, form, services.cast_ballot, "", round=round, names=form.ballot())
        if tracker is not None:
            return render(request, "elections/cast.html", {"round": round, "election": round.election,
                                                           "tracker": tracker})
    return render(request, "elections/vote.html", context, status=400 if form.errors else 200)


@require_POST
@access.page()
def close(request, round_id: int):
    round = _round(request, round_id)
    if not selectors.is_scrutineer(round=round, user=request.user):
        raise Http404
    _act(request, services.close_round, _("投票已结束，请公布结果。"), round=round)
    return redirect("elections:detail", round.election_id)


@access.page()
def paper(request, round_id: int):
    round = _round(request, round_id)
    if not selectors.is_scrutineer(round=round, user=request.user):
        raise Http404
    form = PaperCountForm(request.POST or None, candidates=list(round.candidates))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _write(request, form, services.enter_paper_counts, _("计票结果已登记，本轮投票结束。"), round=round,
                  returned=data["returned"], void=data["void"], blank=data["blank"], votes=form.votes()) is not None:
            return redirect("elections:detail", round.election_id)
    return render(request, "elections/paper.html", {"round": round, "election": round.election, "form": form},
                  status=400 if form.errors else 200)


@require_POST
@access.page(Cap.ELECTIONS_MANAGE)
def publish(request, round_id: int):
    round = _round(request, round_id)
    _managed(request, round.election)
    _act(request, services.publish_round, _("选举结果已公布。"), round=round)
    return redirect("elections:round", round.pk)


def _readable_round(request, round_id: int) -> Round:
    round = _round(request, round_id)
    if not selectors.may_read_publication(round=round, user=request.user):
        raise Http404
    return round


def explain(round: Round) -> list[str]:
    """The published result in words (选举结果说明): validity, the majority needed, ties, shortfall."""
    result, present = round.result or {}, round.present
    if not result.get("valid"):
        return [{
            rules.QUORUM_FAILED: _("实到会有选举权的党员（%(present)d 人）未超过应到人数（%(electorate)d 人）的五分之四，"
                                   "选举无效。"),
            rules.MARGIN_FAILED: _("候选人数少于应选人数的 120%%（差额不足），选举无效。"),
            rules.TOO_MANY_BALLOTS: _("收回的选票多于实到人数，本轮投票无效，应重新投票。"),
        }.get(result.get("reason"), _("本轮投票无效。")) % {"present": present, "electorate": round.electorate}]
    lines = [_("当选须得赞成票超过实到会有选举权的党员（%(present)d 人）的半数，即至少 %(need)d 票。")
             % {"present": present, "need": present // 2 + 1}]
    if result.get("elected"):
        lines.append(_("当选：%(names)s。") % {"names": "、".join(result["elected"])})
    if result.get("tied"):
        left = round.election.seats - len(result.get("elected") or [])
        lines.append(_("%(names)s 得票相等，均超过半数，争最后 %(n)d 个名额：应就他们再次投票，以得票多者当选。")
                     % {"names": "、".join(result["tied"]), "n": left})
    if result.get("shortfall"):
        lines.append(_("得票超过半数的人数少于应选人数，尚缺 %(n)d 名：可就缺额另行选举，也可经党员大会同意不再选举。")
                     % {"n": result["shortfall"]})
    if result.get("void_ballots"):
        lines.append(_("无效票 %(n)d 张（所选人数多于应选人数）。") % {"n": result["void_ballots"]})
    return lines


@access.page()
def round_page(request, round_id: int):
    """A round's publication (公布): the result in words and figures, the three counts, the trackers
    (sorted) and, apart, the ballots (in random order); before it is published, its state only."""
    round = _readable_round(request, round_id)
    context: dict[str, Any] = {"round": round, "election": round.election}
    if round.status == Round.Status.PUBLISHED:
        result = round.result or {}
        context.update(
            explanation=explain(round), elected=set(result.get("elected") or []), tied=set(result.get("tied") or []),
            votes=sorted((result.get("votes") or {}).items(), key=lambda kv: -kv[1]),
            counts=selectors.counts(round=round) if round.mode == Round.Mode.ONLINE else None,
            trackers=selectors.trackers(round=round) if round.mode == Round.Mode.ONLINE else [],
            ballots=selectors.ballot_contents(round=round) if round.mode == Round.Mode.ONLINE else [],
            find=request.GET.get("tracker", "").strip()[:32])
    return render(request, "elections/round.html", context)


@access.page()
def download(request, round_id: int):
    """The published round as JSON: ballots (or paper counts), candidates, seats, electorate, present
    and the published result — recomputed by `manage.py verify_election --file`."""
    round = _readable_round(request, round_id)
    if round.status != Round.Status.PUBLISHED:
        raise Http404
    response = HttpResponse(json.dumps(selectors.export(round=round), ensure_ascii=False, indent=1),
                            content_type="application/json; charset=utf-8")
    filename = f"{_('选举')}-{round.election_id}-{round.number}.json"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
