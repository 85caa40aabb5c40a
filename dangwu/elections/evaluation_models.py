"""Tables of the democratic evaluation of members (民主评议党员), once a year in each branch.

The secret of the mutual rating (互评) is kept the way a secret ballot is: a `Rating` holds the
evaluation, the member rated, the grade and a random id — no rater, no session, no time — and the
`RatingRoll` marks, in the same transaction, that a rater has submitted; nothing links the two.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangwu.core.validators import validate_single_line, validate_text

from . import evaluation_rules as rules


class Grade(models.TextChoices):
    EXCELLENT = rules.EXCELLENT, _("优秀")
    COMPETENT = rules.COMPETENT, _("合格")
    BASIC = rules.BASIC, _("基本合格")
    INCOMPETENT = rules.INCOMPETENT, _("不合格")


class Measure(models.TextChoices):
    CORRECT = rules.CORRECT, _("限期改正")
    ADVISE_WITHDRAWAL = rules.ADVISE_WITHDRAWAL, _("劝其退党")
    REMOVE = rules.REMOVE, _("除名")


class Evaluation(models.Model):
    """One branch's evaluation of one year (民主评议党员): one per branch per year."""

    class Phase(models.TextChoices):
        SELF = "self", _("个人自评")
        RATING = "rating", _("党员互评")
        PROPOSAL = "proposal", _("支委会提出意见")
        PUBLICITY = "publicity", _("结果公示")
        APPROVAL = "approval", _("上级审批")
        CLOSED = "closed", _("已结束")

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("党支部"))
    year = models.PositiveSmallIntegerField(_("年度"))
    phase = models.CharField(_("阶段"), max_length=12, choices=Phase.choices, default=Phase.SELF)
    publicity_days = models.PositiveSmallIntegerField(_("公示天数"), default=5)
    meeting_on = models.DateField(_("党员大会日期"), null=True, blank=True)
    meeting_note = models.CharField(_("党员大会情况"), max_length=300, blank=True, validators=[validate_single_line])
    publicity_from = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_until = models.DateField(_("公示截止"), null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    opened_on = models.DateField(_("启动日期"))
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="evaluation_one_a_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.organization_id}"


class EvaluationEntry(models.Model):
    """One member on the roster of an evaluation (frozen at opening): the self-assessment, the
    committee's proposal, the meeting's grade, the superior's approval and the measure."""

    class Approval(models.TextChoices):
        NONE = "", _("无需审批")
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        RETURNED = "returned", _("已退回")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员"))
    self_assessment = models.TextField(_("个人自评"), blank=True, max_length=5000, validators=[validate_text])
    self_assessed_on = models.DateField(_("自评日期"), null=True, blank=True)
    suggested = models.CharField(_("互评结果"), max_length=12, choices=Grade.choices, blank=True)
    proposed = models.CharField(_("支委会意见"), max_length=12, choices=Grade.choices, blank=True)
    proposal_reason = models.CharField(_("调整理由"), max_length=300, blank=True, validators=[validate_single_line])
    grade = models.CharField(_("评定等次"), max_length=12, choices=Grade.choices, blank=True)
    approval = models.CharField(_("上级审批"), max_length=10, choices=Approval.choices, blank=True)
    approval_reason = models.CharField(_("审批意见"), max_length=300, blank=True, validators=[validate_single_line])
    measure = models.CharField(_("处置措施"), max_length=20, choices=Measure.choices, blank=True)
    measure_note = models.CharField(_("处置说明"), max_length=300, blank=True, validators=[validate_single_line])

    class Meta:
        verbose_name = _("评议对象")
        verbose_name_plural = _("评议对象")
        constraints = [models.UniqueConstraint(fields=["evaluation", "member"], name="evaluation_entry_once")]

    def __str__(self) -> str:
        return f"{self.evaluation_id}/{self.member_id}"


def _rating_id() -> uuid.UUID:
    return uuid.uuid4()


class Rating(models.Model):
    """One anonymous rating (互评票): the member rated and the grade. Deliberately no rater, no
    time and a random id (no insertion order): it cannot be linked to the `RatingRoll` row."""

    id = models.UUIDField(primary_key=True, default=_rating_id, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="+")
    ratee = models.ForeignKey(EvaluationEntry, on_delete=models.CASCADE, related_name="ratings")
    grade = models.CharField(_("等次"), max_length=12, choices=Grade.choices)

    class Meta:
        verbose_name = _("互评票")
        verbose_name_plural = _("互评票")

    def __str__(self) -> str:
        return f"{self.ratee_id}: {self.grade}"


class RatingRoll(models.Model):
    """That a member of the roster has submitted their ratings (once): nothing of what they gave."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="+")
    rater = models.ForeignKey(EvaluationEntry, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("互评登记")
        verbose_name_plural = _("互评登记")
        constraints = [models.UniqueConstraint(fields=["evaluation", "rater"], name="evaluation_rate_once")]

    def __str__(self) -> str:
        return f"{self.evaluation_id}/{self.rater_id}"
