"""The audit actions of the elections app (党内选举 and 民主评议党员): one enum, re-exported by
`models` where the service contracts look for it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangwu.core.models import AuditActionChoices


class AuditAction(AuditActionChoices):
    """What the elections app's services record in the audit log, one action per service (decision 0015):
    the secret ballot's, then the democratic evaluation's."""

    CREATE = "elections.create", _("建立选举")
    CANDIDATES = "elections.candidates", _("确定候选人名单")
    OPEN_ROUND = "elections.open_round", _("开始投票")
    CAST = "elections.cast", _("投票")
    CLOSE_ROUND = "elections.close_round", _("监票人结束投票")
    PAPER_COUNT = "elections.paper_count", _("登记纸质选票计票结果")
    PUBLISH = "elections.publish", _("公布选举结果")
    OPEN = "evaluation.open", _("启动民主评议")
    SELF_ASSESS = "evaluation.self_assess", _("提交个人自评")
    ADVANCE = "evaluation.advance", _("推进民主评议阶段")
    RATE = "evaluation.rate", _("提交党员互评")
    PROPOSE = "evaluation.propose", _("支委会提出评定等次")
    DECIDE = "evaluation.decide", _("支部党员大会评定等次")
    PUBLICITY_END = "evaluation.publicity_end", _("结束评议结果公示")
    APPROVE = "evaluation.approve", _("审批评定等次")
    REVISE = "evaluation.revise", _("重新评定等次")
    MEASURE = "evaluation.measure", _("处置不合格党员")
