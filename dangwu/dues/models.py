"""Party dues (党费): yearly declarations, hardship reductions, monthly assessments, payments,
and the uses of the dues a committee publishes each year.

One `Assessment` row per member and month (unique): the monthly assessment inserts them in
batches with ON CONFLICT DO NOTHING, so running it twice creates nothing and a killed run
completes when it runs again (docs/decisions/0006-dues-assessment.md).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dangwu.core.models import AuditActionChoices, ImportRun, TaskRun

from . import rules


class AuditAction(AuditActionChoices):
    """What the dues services (and the rebuild of the dues roll-up) record in the audit log: one
    action per service, declared with `core.audit.audited` (decision 0015)."""

    DECLARE = "dues.declare", _("申报党费基数")
    DECLARE_CHANGE = "dues.declare_change", _("调整党费基数")
    DECLARE_IMPORT = "dues.declare_import", _("导入党费基数申报")
    DECLARE_IMPORT_FAILED = "dues.declare_import_failed", _("党费基数申报导入未完成")
    ASSESS_START = "dues.assess_start", _("发起月度党费核定")
    ASSESS = "dues.assess", _("完成月度党费核定")
    REDUCTION_REQUEST = "dues.reduction_request", _("申请党费减免")
    REDUCTION_DECIDE = "dues.reduction_decide", _("审批党费减免")
    PAYMENT = "dues.payment", _("登记党费缴纳")
    PAYMENT_REVERSE = "dues.payment_reverse", _("冲正党费缴费")
    USE = "dues.use", _("登记党费使用")
    PROOF_SUBMIT = "dues.proof_submit", _("党员上传转账凭证")
    PROOF_CONFIRM = "dues.proof_confirm", _("确认转账凭证（登记为缴费）")
    PROOF_REJECT = "dues.proof_reject", _("退回转账凭证")
    STATS_REBUILD = "dues.stats_rebuild", _("重算党费收缴统计")


class Category(models.TextChoices):
    EMPLOYED = rules.EMPLOYED, _("在岗职工")
    RETIRED = rules.RETIRED, _("离退休人员")
    FARMER = rules.FARMER, _("农牧渔民")
    STUDENT = rules.STUDENT, _("学生")
    UNEMPLOYED = rules.UNEMPLOYED, _("下岗失业人员")
    RELIEF = rules.RELIEF, _("抚恤、救济、低保人员")


class Declaration(models.Model):
    """A member's yearly dues declaration (党费基数申报): category and monthly base, and the
    monthly amount that follows from the rule. Changed during the year only with a reason; the
    history keeps every version."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_declarations",
                               verbose_name=_("党员"))
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("党费类别"), max_length=16, choices=Category.choices)
    base = models.DecimalField(_("月工资收入基数（元）"), max_digits=12, decimal_places=2, default=0)
    farmer_amount = models.DecimalField(_("农牧渔民月交标准（元）"), max_digits=4, decimal_places=2, null=True,
                                        blank=True)
    monthly_amount = models.DecimalField(_("每月应交（元）"), max_digits=10, decimal_places=2)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("申报人"))
    declared_at = models.DateTimeField(_("申报时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党费申报")
        verbose_name_plural = _("党费申报")
        ordering = ["-year", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="dues_one_declaration_per_member_year"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}: {self.monthly_amount}"


class Reduction(models.Model):
    """A hardship reduction or exemption (困难党员减免党费): requested by the branch, approved or
    refused by the next-level committee; applies to the months from `start_month` to `end_month`."""

    class Kind(models.TextChoices):
        REDUCE = "reduce", _("减交")
        EXEMPT = "exempt", _("免交")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_reductions",
                               verbose_name=_("党员"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("申请党组织"))
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    monthly_amount = models.DecimalField(_("减免后每月应交（元）"), max_digits=10, decimal_places=2)
    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("截止月份"))
    reason = models.TextField(_("理由"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("党费减免")
        verbose_name_plural = _("党费减免")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_month__gte=models.F("start_month")),
                                   name="dues_reduction_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.get_kind_display()} {self.start_month:%Y-%m}—{self.end_month:%Y-%m}"


class Payment(models.Model):
    """One payment (党费缴纳) with its receipt: several months at once, and/or a voluntary extra.

    `organization` is the member's own branch (which sees the payment); `collected_at` is where
    the money was paid — another organization when a mobile member pays at the host (流入地)."""

    class Method(models.TextChoices):
        CASH = "cash", _("现金")
        TRANSFER = "transfer", _("银行转账")
        ONLINE = "online", _("网上缴纳")

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_payments",
                               verbose_name=_("党员"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("所在党组织"))
    collected_at = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("收缴党组织"))
    method = models.CharField(_("缴纳方式"), max_length=10, choices=Method.choices)
    reference = models.CharField(_("交易流水号"), max_length=64, blank=True)
    paid_on = models.DateField(_("缴纳日期"))
    dues_amount = models.DecimalField(_("按月交纳金额（元）"), max_digits=12, decimal_places=2, default=0)
    voluntary_amount = models.DecimalField(_("自愿多交（元）"), max_digits=12, decimal_places=2, default=0)
    total_amount = models.DecimalField(_("合计（元）"), max_digits=12, decimal_places=2)
    forward_to_centre = models.BooleanField(_("全额上缴中央"), default=False)
    receipt_number = models.CharField(_("收据编号"), max_length=32, unique=True, null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("经办人"))
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # What the payment did to the member record's 党费交至 (`services.record_payment`): whether it
    # moved it, and from what — a reversal of the payment that first set it empties it again.
    moved_paid_until = models.BooleanField(_("更新了党费交至"), default=False)
    paid_until_before = models.DateField(_("缴费前党费交至"), null=True, blank=True)
    # 冲正 (reversal) of a payment recorded in error: the row stays (money records are never
    # deleted); its months are unpaid again and `reversed_months` keeps which they were.
    reversed_at = models.DateTimeField(_("冲正时间"), null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("冲正人"))
    reversal_reason = models.CharField(_("冲正原因"), max_length=200, blank=True)
    reversed_months = models.JSONField(_("冲正前交纳的月份"), default=list, blank=True)

    class Meta:
        verbose_name = _("党费缴纳")
        verbose_name_plural = _("党费缴纳")
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["organization", "paid_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reversed_at__isnull=True) | ~models.Q(reversal_reason=""),
                name="dues_payment_reversal_has_reason"),
        ]

    def __str__(self) -> str:
        return self.receipt_number or f"#{self.pk}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None

    def covered_months(self) -> list:
        """The months this payment paid: its assessments, or — reversed — the months it had paid."""
        if self.reversed_at is not None:
            from datetime import date

            return [date.fromisoformat(f"{m}-01") for m in self.reversed_months]
        return [a.month for a in self.assessments.order_by("month")]


def proof_path(instance: "TransferProof", filename: str) -> str:
    return f"dues/proofs/{instance.member_id}/{filename}"


class TransferProof(models.Model):
    """A member's proof of a bank transfer of their dues (转账凭证): a scan or PDF of the bank's
    slip, the months it pays, the amount, the transaction reference and the date.

    The member hands it in (`proof_services.submit_transfer_proof`); whoever collects dues at the
    member's organization confirms it — which records the payment by the rules of a payment
    recorded at the desk, the receipt with it — or sends it back with a reason the member reads."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("已退回")

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_transfer_proofs",
                               verbose_name=_("党员"))
    # The member's branch when handed in: whose collectors see it (a member who moves takes it along:
    # the scope follows `member.organization`, this column only dates it).
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("所在党组织"))
    months = models.JSONField(_("交纳月份"), default=list)  # ["2026-10", "2026-11"]
    amount = models.DecimalField(_("转账金额（元）"), max_digits=12, decimal_places=2)
    reference = models.CharField(_("交易流水号"), max_length=64)
    transferred_on = models.DateField(_("转账日期"))
    file = models.FileField(_("凭证文件"), upload_to=proof_path, max_length=300)
    file_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("提交人"))
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("处理人"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    rejection_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="transfer_proof", verbose_name=_("缴纳记录"))

    class Meta:
        verbose_name = _("转账凭证")
        verbose_name_plural = _("转账凭证")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="confirmed") | models.Q(payment__isnull=False),
                name="dues_proof_confirmed_has_payment"),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="dues_proof_rejected_has_reason"),
        ]

    def __str__(self) -> str:
        return _("转账凭证 %(ref)s") % {"ref": self.reference}

    @property
    def month_dates(self) -> list:
        from datetime import date

        return [date.fromisoformat(f"{m}-01") for m in self.months]


class Assessment(models.Model):
    """The dues of one member for one month (月度应交党费): what was due, and the payment that
    paid it. Unique per (member, month): assessing is idempotent."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_assessments",
                               verbose_name=_("党员"), db_index=False)  # the unique (member, month) serves it
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("所在党组织"), db_index=False)
    month = models.DateField(_("月份"))
    amount_due = models.DecimalField(_("应交（元）"), max_digits=10, decimal_places=2)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="assessments", verbose_name=_("缴纳记录"))
    created_at = models.DateTimeField(_("核定时间"))

    class Meta:
        verbose_name = _("月度党费")
        verbose_name_plural = _("月度党费")
        ordering = ["month", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_one_assessment_per_member_month"),
        ]
        indexes = [
            models.Index(fields=["organization", "month"], name="dues_assess_org_month"),
            # The months owed only (a small part of the rows): the arrears summary of a committee's
            # children reads a window of months of it (`selectors.arrears_by_child`), not the table.
            models.Index(fields=["month", "member"], name="dues_assess_unpaid",
                         condition=models.Q(payment__isnull=True, amount_due__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m}: {self.amount_due}"

    @property
    def paid(self) -> bool:
        return self.payment_id is not None or not self.amount_due


class AssessmentRun(TaskRun):
    """One monthly assessment of a subtree (月度党费核定) and how its background run went.

    The batches advance `cursor` (the path of the last organization done) in the same
    transaction as their rows, so a run killed halfway resumes after the last batch committed.
    Progress writes are bookkeeping of the task; the run is audited when asked for and when done."""

    progress_fields = ("done_organizations", "total_organizations")
    failed_is_complete = False

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在核定")
        DONE = "done", _("已完成")
        FAILED = "failed", _("出错")

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("党组织"))
    month = models.DateField(_("月份"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_organizations = models.PositiveIntegerField(_("党组织数"), default=0)
    done_organizations = models.PositiveIntegerField(_("已处理党组织数"), default=0)
    created_count = models.PositiveIntegerField(_("新核定人数"), default=0)
    cursor = models.CharField(_("进度位置"), max_length=255, blank=True)

    class Meta(TaskRun.Meta):
        verbose_name = _("党费核定任务")
        verbose_name_plural = _("党费核定任务")

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m} ({self.status})"


class DeclarationImport(ImportRun):
    """One upload of a declarations sheet (党费基数申报表导入) and how its background run went.

    The run of a roster import (`members.RosterImport`), for the dues: the page saves the upload
    here and queues `tasks.run_declaration_import`, which reads the sheet, calls the audited
    service `services.import_declarations` (all rows or none, one audit entry) and writes its
    outcome here; the status page polls it. The upload (full ID numbers in clear) is deleted once
    read; the error report keeps masked numbers. The writes to this row are bookkeeping of the
    task and are not audited.
    """

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("党组织"))
    year = models.PositiveIntegerField(_("年度"))
    reason = models.CharField(_("调整原因"), max_length=100, blank=True)
    created_count = models.PositiveIntegerField(_("新申报"), default=0)
    updated_count = models.PositiveIntegerField(_("调整"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)

    class Meta(ImportRun.Meta):
        verbose_name = _("党费基数申报导入")
        verbose_name_plural = _("党费基数申报导入")


class DuesUse(models.Model):
    """A use of the dues a committee keeps (党费使用): for the yearly income-and-use statement."""

    class Purpose(models.TextChoices):
        REMIT = "remit", _("上缴上级党组织")
        EDUCATION = "education", _("党员教育培训")
        HARDSHIP = "hardship", _("慰问困难党员")
        COMMENDATION = "commendation", _("表彰先进")
        BUILDING = "building", _("基层党组织建设")
        OTHER = "other", _("其他")

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("党组织"))
    used_on = models.DateField(_("日期"))
    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    description = models.CharField(_("说明"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("经办人"))
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费使用")
        verbose_name_plural = _("党费使用")
        ordering = ["-used_on", "-id"]

    def __str__(self) -> str:
        return f"{self.used_on} {self.amount}"


class DuesStat(models.Model):
    """A roll-up of the dues report (党费收缴统计汇总): the totals of one organization's WHOLE
    SUBTREE — the organization and all below it — for one month: what was due, what was collected,
    how many member-months were assessed and how many of them are paid (a month with nothing due
    counts as paid, as in the report).

    Kept exact by `dues.rollups`, which every service writing assessments or their paid state
    calls in its own transaction; read by `selectors.report` and `selectors.totals`, which then
    read the rows of an organization and its children only, never the assessments
    (docs/decisions/0006-dues-assessment.md). The organization's own members are its row less
    its children's rows.
    """

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("党组织"),
        # Derived rows: the unique (organization, month) index serves lookups, and no deferred
        # foreign-key check per row (rebuild_dues_stats recomputes them).
        db_index=False, db_constraint=False,
    )
    month = models.DateField(_("月份"))
    due = models.DecimalField(_("应交（元）"), max_digits=16, decimal_places=2, default=0)
    collected = models.DecimalField(_("实交（元）"), max_digits=16, decimal_places=2, default=0)
    members = models.BigIntegerField(_("核定人次"), default=0)
    paid_members = models.BigIntegerField(_("已交人次"), default=0)

    class Meta:
        verbose_name = _("党费统计汇总")
        verbose_name_plural = _("党费统计汇总")
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="dues_stat_one_per_org_month"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}: {self.collected}/{self.due}"
