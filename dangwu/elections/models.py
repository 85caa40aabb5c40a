"""Tables of party elections (党内选举).

The secret ballot (无记名投票, decision 0031) keeps who has voted and how apart: `RollEntry` says
THAT a member voted (no link to a ballot); `Ballot` holds what a ballot said (the names marked
"for") with no voter, no session, no address and no time finer than its round; `Tracker` holds the
random code a voter was shown on casting, with nothing that joins it to a ballot. Ballots and
trackers have random primary keys and no creation time, so that neither their keys nor their order
tell in what order they were cast; closing the round writes both tables again in a random order.

The democratic evaluation of members (民主评议党员) lives in `evaluation_models.py`, imported at the
end so that Django finds its tables.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangwu.core.validators import validate_single_line

from .actions import AuditAction  # noqa: F401  (the one enum of the app's audit actions)

# --- the secret ballot (选举与投票): elections, candidates, rounds, the roll, ballots, trackers -------


class ElectionKind(models.TextChoices):
    COMMITTEE = "committee", _("支部委员会")
    SECRETARY = "secretary", _("书记、副书记")  # 等额 allowed: contested=False
    DELEGATES = "delegates", _("党代会代表")


class Election(models.Model):
    """One election of an organization (选举): of its committee, of its secretary and deputies by the
    committee, or of delegates to a congress; held in one or more rounds (另行选举, a tie's revote)."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("筹备中")
        VOTING = "voting", _("投票中")
        DONE = "done", _("已结束")

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("党组织"))
    title = models.CharField(_("选举名称"), max_length=120, validators=[validate_single_line])
    kind = models.CharField(_("选举类型"), max_length=16, choices=ElectionKind.choices)
    seats = models.PositiveSmallIntegerField(_("应选人数"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PREPARING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("选举")
        verbose_name_plural = _("选举")

    def __str__(self) -> str:
        return self.title

    @property
    def contested(self) -> bool:
        """差额 unless the committee elects its secretary and deputies (等额 allowed)."""
        return self.kind != ElectionKind.SECRETARY


class Candidate(models.Model):
    """A name on the candidate list (候选人), in the ballot's order; edited until a round opens."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(_("姓名"), max_length=50, validators=[validate_single_line])
    order = models.PositiveSmallIntegerField(_("顺序"))

    class Meta:
        verbose_name = _("候选人")
        verbose_name_plural = _("候选人")
        ordering = ["election_id", "order"]
        constraints = [models.UniqueConstraint(fields=["election", "name"], name="elections_candidate_unique_name")]

    def __str__(self) -> str:
        return self.name


class Round(models.Model):
    """One round of voting (一轮投票): online on members' phones or on paper counted by the
    scrutineers (监票人, members named on the round). The electorate (应到) and those present (实到)
    are frozen when it opens; closing is the scrutineers' recorded act; publishing (公布) shows the
    trackers, the ballots and the result to the electorate."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("网上无记名投票")
        PAPER = "paper", _("纸质选票")

    class Status(models.TextChoices):
        OPEN = "open", _("投票中")
        CLOSED = "closed", _("已结束投票")
        PUBLISHED = "published", _("已公布")

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    mode = models.CharField(_("投票方式"), max_length=8, choices=Mode.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    candidates = models.JSONField(_("候选人"), default=list)  # the list as it stood when the round opened
    electorate = models.PositiveIntegerField(_("应到会有选举权的党员"))
    present = models.PositiveIntegerField(_("实到会有选举权的党员"))
    scrutineers = models.ManyToManyField("members.Member", related_name="+", verbose_name=_("监票人"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(_("开始时间"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # a paper round's counts as the scrutineers entered them
    paper_returned = models.PositiveIntegerField(_("收回选票"), null=True, blank=True)
    paper_void = models.PositiveIntegerField(_("无效票"), null=True, blank=True)
    paper_blank = models.PositiveIntegerField(_("空白票"), null=True, blank=True)
    paper_votes = models.JSONField(_("得票"), default=dict, blank=True)  # name → "for" votes, write-ins too
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    result = models.JSONField(_("计票结果"), null=True, blank=True)  # the TallyResult as published

    class Meta:
        verbose_name = _("投票轮次")
        verbose_name_plural = _("投票轮次")
        ordering = ["election_id", "number"]
        constraints = [models.UniqueConstraint(fields=["election", "number"], name="elections_round_unique_number")]

    def __str__(self) -> str:
        return f"{self.election_id} #{self.number}"


class RollEntry(models.Model):
    """The roll (选举人名册): a member of the round's electorate, and whether they have voted. It
    says THAT a member voted, never which ballot is theirs: there is no link to `Ballot`."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="roll")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("党员"))
    voted = models.BooleanField(_("已投票"), default=False)

    class Meta:
        verbose_name = _("选举人名册")
        verbose_name_plural = _("选举人名册")
        constraints = [models.UniqueConstraint(fields=["round", "member"], name="elections_roll_unique_member")]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.member_id}"


def new_random_id() -> uuid.UUID:
    return uuid.uuid4()


class Ballot(models.Model):
    """One ballot cast online (选票): the names marked "for" (write-ins too). No voter, no session,
    no address, no time: a random id and its round only."""

    id = models.UUIDField(primary_key=True, default=new_random_id, editable=False)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="ballots")
    content = models.JSONField(_("选票内容"))  # a sorted list of names

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")

    def __str__(self) -> str:
        return str(self.pk)


class Tracker(models.Model):
    """The code a voter was shown once on casting (投票凭证码): published after the round closes, it
    shows that their ballot was counted, not what it said. No voter, no ballot, no time."""

    id = models.UUIDField(primary_key=True, default=new_random_id, editable=False)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="trackers")
    code = models.CharField(_("凭证码"), max_length=32)

    class Meta:
        verbose_name = _("投票凭证码")
        verbose_name_plural = _("投票凭证码")
        constraints = [models.UniqueConstraint(fields=["round", "code"], name="elections_tracker_unique_code")]

    def __str__(self) -> str:
        return self.code


from .evaluation_models import (  # noqa: E402, F401
    Evaluation,
    EvaluationEntry,
    Grade,
    Measure,
    Rating,
    RatingRoll,
)
