"""Member records (统一的党员动态信息库). Every change is kept as history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dangwu.core import crypto
from dangwu.core.models import AuditActionChoices, ImportRun, TaskRun

from . import rules


class AuditAction(AuditActionChoices):
    """What member records, rosters, transfers and mobile members record in the audit log (one
    entry each: core.audit.audited). The audit page filters by prefix: `member.transfer` finds
    every step of a transfer, `member.outflow` every one of a mobile member."""

    MEMBER_CREATE = "member.create", _("建立党员档案")
    MEMBER_UPDATE = "member.update", _("修改党员档案")
    MEMBER_STANDING = "member.standing", _("党籍变动")
    MEMBER_VIEW_ID_NUMBER = "member.view_id_number", _("查看完整公民身份号码")
    MEMBER_VIEW_PHONE = "member.view_phone", _("查看完整联系电话")
    MEMBER_IMPORT = "member.import", _("花名册导入")
    MEMBER_IMPORT_FAILED = "member.import_failed", _("花名册导入未完成")
    MEMBER_EXPORT = "member.export", _("花名册导出")
    MEMBER_TRANSFER_START = "member.transfer_start", _("开具介绍信（组织关系转出）")
    MEMBER_TRANSFER_ACCEPT = "member.transfer_accept", _("接收组织关系")
    MEMBER_TRANSFER_REJECT = "member.transfer_reject", _("退回组织关系转接")
    MEMBER_TRANSFER_REISSUE = "member.transfer_reissue", _("重新开具介绍信")
    MEMBER_TRANSFER_RECEIPT = "member.transfer_receipt", _("登记介绍信回执")
    MEMBER_TRANSFER_REGISTER = "member.transfer_register", _("平台外转入登记")
    MEMBER_OUTFLOW_START = "member.outflow_start", _("流出登记")
    MEMBER_OUTFLOW_CERTIFICATE = "member.outflow_certificate", _("开具流动党员活动证")
    MEMBER_OUTFLOW_PARTICIPATION = "member.outflow_participation", _("参加流入地组织生活")
    MEMBER_OUTFLOW_REPORT = "member.outflow_report", _("向流出党组织汇报")
    MEMBER_OUTFLOW_RETURN = "member.outflow_return", _("外出返回")
    STATS_REBUILD = "stats.rebuild", _("重建结构统计")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class MemberType(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class Standing(models.TextChoices):
    NORMAL = "normal", _("正常")
    SUSPENDED = "suspended", _("停止党籍")
    EXPELLED = "expelled", _("开除党籍")
    REMOVED = "removed", _("除名")
    WITHDRAWN = "withdrawn", _("退党")
    SELF_DEPARTED = "self_departed", _("自行脱党")
    DECEASED = "deceased", _("死亡")
    # Left the platform by a transfer to an organization outside it (组织关系转出): the record and
    # its history stay; it no longer counts among the organization's members in good standing.
    TRANSFERRED_OUT = "transferred_out", _("已转出")
    # A probationary member whose membership was cancelled (取消预备党员资格, 《中国共产党章程》第七条):
    # not a sanction like 除名, and only for probationary members.
    DISQUALIFIED = "disqualified", _("取消预备党员资格")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    UNDERGRADUATE = "undergraduate", _("大学本科")
    JUNIOR_COLLEGE = "junior_college", _("大学专科")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中等专科")
    HIGH_SCHOOL = "high_school", _("高中")
    JUNIOR_HIGH = "junior_high", _("初中")
    PRIMARY = "primary", _("小学及以下")


class Occupation(models.TextChoices):
    EMPLOYED = "employed", _("在岗职工")
    FARMER = "farmer", _("农牧渔民")
    STUDENT = "student", _("学生")
    RETIRED = "retired", _("离退休人员")
    UNEMPLOYED = "unemployed", _("下岗失业人员")
    SELF_EMPLOYED = "self_employed", _("个体经营者")
    CIVIL_SERVANT = "civil_servant", _("党政机关工作人员")
    PROFESSIONAL = "professional", _("专业技术人员")
    MILITARY = "military", _("解放军、武警")
    OTHER = "other", _("其他职业人员")


class MemberQuerySet(models.QuerySet):
    """The one home of "in good standing" (党籍正常) for queries; `Member` has the same as properties.

    - `in_good_standing()`: standing 正常, full and probationary members alike — those who count
      among an organization's members, may be transferred, pay dues, go away as mobile members;
    - `full_in_good_standing()`: also a full member (正式党员) — those who may vote and stand for
      election, sit on a committee, introduce an applicant or be a contact person (党章 第五条).
    """

    def in_good_standing(self) -> MemberQuerySet:
        return self.filter(standing=Standing.NORMAL)

    def full_in_good_standing(self) -> MemberQuerySet:
        return self.in_good_standing().filter(member_type=MemberType.FULL)


class Member(models.Model):
    """A party member (党员) and everything SPEC A keeps about them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="member", verbose_name=_("登录账号"),
    )
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="members", verbose_name=_("所在党组织"),
        db_index=False,  # the (organization, member_type) index serves it
    )
    # The organization's path, copied by database triggers (migration 0010) on every insert and
    # change of organization and every change of an organization's path: never written by Python
    # (a new instance holds "" until re-read). The search's scope filter and indexes read it.
    org_path = models.CharField(_("所在党组织路径"), max_length=255, default="", editable=False)
    # Search indexes: see Meta.indexes and migrations 0005/0006/0010 (PostgreSQL), docs/performance.md.
    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=200, editable=False)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, editable=False)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    id_number_encrypted = models.TextField(_("公民身份号码（密文）"), editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)  # unique: see Meta.constraints
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, editable=False)
    birth_date = models.DateField(_("出生日期"))
    native_place = models.CharField(_("籍贯"), max_length=60, blank=True)
    education = models.CharField(_("学历"), max_length=24, choices=Education.choices, blank=True)
    degree = models.CharField(_("学位"), max_length=30, blank=True)
    professional_title = models.CharField(_("专业技术职务"), max_length=60, blank=True)
    occupation = models.CharField(_("人员类别"), max_length=24, choices=Occupation.choices, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=120, blank=True)
    job_title = models.CharField(_("职务"), max_length=60, blank=True)
    work_started_on = models.DateField(_("参加工作日期"), null=True, blank=True)
    phone_encrypted = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    party_post = models.CharField(_("党内职务"), max_length=60, blank=True)
    member_type = models.CharField(_("党员类型"), max_length=16, choices=MemberType.choices)
    applied_on = models.DateField(_("申请入党日期"), null=True, blank=True)
    joined_on = models.DateField(_("入党日期"))
    converted_on = models.DateField(_("转正日期"), null=True, blank=True)
    standing = models.CharField(
        _("党籍状态"), max_length=16, choices=Standing.choices, default=Standing.NORMAL
    )
    standing_since = models.DateField(_("党籍状态日期"), null=True, blank=True)
    is_outflow = models.BooleanField(_("流出党员"), default=False)
    outflow_destination = models.CharField(_("流出去向"), max_length=120, blank=True)
    is_inflow = models.BooleanField(_("流入党员"), default=False)
    lost_contact = models.BooleanField(_("失联党员"), default=False)
    lost_contact_since = models.DateField(_("失联日期"), null=True, blank=True)
    in_hardship = models.BooleanField(_("困难党员"), default=False)
    is_party_worker = models.BooleanField(_("党务工作者"), default=False)
    dues_standard = models.DecimalField(_("党费标准（元/月）"), max_digits=10, decimal_places=2, null=True, blank=True)
    dues_paid_until = models.DateField(_("党费交至（年月）"), null=True, blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = MemberQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["name_pinyin", "name_initials", "updated_at", "id_number_hash", "org_path"],
    )

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["organization_id", "name_pinyin", "id"]
        # Each index costs every write (an import of 200,000 rows, the bulk load): no
        # varchar_pattern_ops twins (db_index=True on a CharField adds one), nothing another
        # index already serves. PostgreSQL adds the search indexes of migration 0006.
        indexes = [
            models.Index(fields=["organization", "member_type"]),
            models.Index(fields=["standing"], name="members_member_standing"),
            models.Index(fields=["name_pinyin", "id"], name="members_member_pinyin_order"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="members_member_id_number_hash_unique"),
            models.CheckConstraint(
                condition=models.Q(converted_on__isnull=True) | models.Q(converted_on__gte=models.F("joined_on")),
                name="converted_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_good_standing(self) -> bool:
        """党籍正常 (any member type): see `MemberQuerySet.in_good_standing`."""
        return self.standing == Standing.NORMAL

    @property
    def full_in_good_standing(self) -> bool:
        """党籍正常的正式党员: see `MemberQuerySet.full_in_good_standing`."""
        return self.in_good_standing and self.member_type == MemberType.FULL

    # --- sensitive fields: encrypted at rest, masked for display -----------------
    def set_id_number(self, number: str) -> None:
        self.id_number_encrypted = crypto.encrypt(number)
        self.id_number_hash = crypto.lookup_hash(number)
        self.id_number_masked = rules.mask_id_number(number)

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    def set_phone(self, number: str) -> None:
        self.phone_encrypted = crypto.encrypt(number)
        self.phone_masked = rules.mask_phone(number)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)


class StandingChange(models.Model):
    """A recorded change of party standing (党籍变动) with its date and reason."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="standing_changes")
    from_standing = models.CharField(_("原状态"), max_length=16, choices=Standing.choices)
    to_standing = models.CharField(_("新状态"), max_length=16, choices=Standing.choices)
    effective_on = models.DateField(_("生效日期"))
    reason = models.TextField(_("原因"))
    document_number = models.CharField(_("决定文号"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_on", "-id"]
        verbose_name = _("党籍变动")
        verbose_name_plural = _("党籍变动")

    def __str__(self) -> str:
        return f"{self.member_id}: {self.from_standing} → {self.to_standing} ({self.effective_on})"


class SubtreeStat(models.Model):
    """A roll-up of structure statistics (党员结构统计): how many members (or organizations) of one
    organization's WHOLE SUBTREE — the organization and all below it — fall under one key of one
    dimension, e.g. (长沙市委, "gender", "female") → 41 233.

    Kept exact by `members.rollups`, which the services call in their own transaction; read by
    `members.selectors.structure_stats` with one indexed query, so statistics cost the same at a
    branch as at the province. See docs/decisions/0004-structure-rollups.md.
    """

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="subtree_stats", verbose_name=_("党组织"),
        # The unique index (organization, dimension, key) serves lookups by organization. No
        # database-level foreign key: these rows are derived (rebuild_stats recomputes them), and a
        # deferred FK check per row would queue millions of trigger events in a full rebuild.
        db_index=False, db_constraint=False,
    )
    dimension = models.CharField(_("统计维度"), max_length=16)
    key = models.CharField(_("统计项"), max_length=32)
    count = models.BigIntegerField(_("数量"), default=0)

    class Meta:
        verbose_name = _("结构统计汇总")
        verbose_name_plural = _("结构统计汇总")
        constraints = [
            models.UniqueConstraint(fields=["organization", "dimension", "key"], name="subtree_stat_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.dimension}={self.key}: {self.count}"


class RosterImport(ImportRun):
    """One upload of a roster (花名册导入) and how its background run went (`core.uploads`).

    The import itself is `roster_import.import_roster`, which writes through the audited service
    `roster_services.write_roster_import` (one audit entry, one transaction). The writes to this row — status and progress while the task runs — are
    bookkeeping of the task, not business writes, and are not audited; a failed run is audited
    once (`member.import_failed`).
    """

    organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("党组织"))
    update_existing = models.BooleanField(_("更新已有党员"), default=False)
    dry_run = models.BooleanField(_("仅校验"), default=False)
    created_count = models.PositiveIntegerField(_("新建"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    changes = models.JSONField(_("变更（前若干条）"), default=list, blank=True)
    # A check (仅校验) that passed keeps its upload, so that the same file can be imported without
    # choosing it again (`tasks.import_checked_upload`); the import it led to is named here.
    # The upload is deleted once imported, discarded, or `DANGWU_IMPORT_KEEP_HOURS` old (decision 0005).
    imported_as = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("据此导入"))

    class Meta(ImportRun.Meta):
        verbose_name = _("花名册导入")
        verbose_name_plural = _("花名册导入")


class RosterExport(TaskRun):
    """One export of a large subtree's roster (花名册导出), built by a background task, and its
    file until it expires (`DANGWU_EXPORT_KEEP_HOURS`).

    The export itself is `roster_export.export_roster`, audited by the service
    `roster_services.record_roster_export`; the writes to this row
    (status, progress, the file) are bookkeeping of the task and are not audited. Only the
    person who asked for an export sees it and downloads it: the file may hold full ID numbers.
    Its statuses are `TaskRun.Status`.
    """

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("导出人"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("党组织"))
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    full_numbers = models.BooleanField(_("完整证件号码"), default=False)
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", max_length=300, blank=True)

    class Meta(TaskRun.Meta):
        verbose_name = _("花名册导出")
        verbose_name_plural = _("花名册导出")

    def __str__(self) -> str:
        return f"{self.organization_id} ({self.get_status_display()})"


class Transfer(models.Model):
    """A transfer of organizational relations (组织关系转接) and its letter of introduction (介绍信).

    Three kinds: inside the platform (one organization to another, both here), to an outside
    organization (the letter is printed; the member leaves when the paper receipt 回执 comes
    back) and from outside (the receiving organization registers the member from the letter
    it received). Until a transfer is accepted the member stays in, and under the
    responsibility of, the sending organization.
    """

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("平台内转接")
        OUT = "out", _("转出平台外")
        IN = "in", _("从平台外转入")

    class Status(models.TextChoices):
        PENDING = "pending", _("待接收")
        ACCEPTED = "accepted", _("已接收")
        REJECTED = "rejected", _("已退回")
        COMPLETED = "completed", _("已办结")

    kind = models.CharField(_("转接类型"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers",
                               verbose_name=_("党员"))
    # What the letter says of the member, kept as it was when the letter was issued.
    member_name = models.CharField(_("姓名"), max_length=50)
    member_gender = models.CharField(_("性别"), max_length=8, blank=True)
    member_age = models.PositiveSmallIntegerField(_("年龄"), null=True, blank=True)
    member_type = models.CharField(_("党员类型"), max_length=16, blank=True)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, blank=True)
    from_organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="transfers_out", verbose_name=_("转出党组织"))
    from_name = models.CharField(_("转出党组织名称"), max_length=120)
    to_organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="transfers_in", verbose_name=_("接收党组织"))
    to_name = models.CharField(_("接收党组织名称"), max_length=120)
    to_address = models.CharField(_("接收党组织地址"), max_length=200, blank=True)
    reason = models.CharField(_("转接原因"), max_length=200, blank=True)
    dues_paid_until = models.DateField(_("党费交至（年月）"), null=True, blank=True)
    letter_number = models.CharField(_("介绍信编号"), max_length=40, null=True, blank=True, unique=True)
    previous_numbers = models.JSONField(_("原介绍信编号"), default=list, blank=True)
    external_letter_number = models.CharField(_("来信编号"), max_length=40, blank=True)
    issued_on = models.DateField(_("开具日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    decided_on = models.DateField(_("办理日期"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("办理人"))
    reject_reason = models.TextField(_("退回原因"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("经办人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["from_organization", "status"], name="members_transfer_from"),
            models.Index(fields=["to_organization", "status"], name="members_transfer_to"),
        ]
        constraints = [
            # One open transfer per member at a time (the sender stays responsible until it ends).
            models.UniqueConstraint(fields=["member"], condition=models.Q(status="pending"),
                                    name="members_transfer_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.member_name} {self.from_name} → {self.to_name}"


class Outflow(models.Model):
    """A mobile member's time away (流动党员外出登记) and their 流动党员活动证.

    The member stays a member of the home organization (their `organization`); the host
    organization, when it is on the platform, sees them, records their taking part, and may
    not let them vote or stand (`transfer_rules.may_vote_at`).
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="outflows", verbose_name=_("党员"))
    home_organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="outflows",
                                          verbose_name=_("流出党组织"))
    destination = models.CharField(_("流出去向"), max_length=120)
    host_organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="inflows", verbose_name=_("流入地党组织"))
    reason = models.CharField(_("外出原因"), max_length=200)
    left_on = models.DateField(_("外出日期"))
    expected_return_on = models.DateField(_("预计返回日期"), null=True, blank=True)
    contact = models.CharField(_("外出期间联系方式"), max_length=120)
    certificate_number = models.CharField(_("流动党员活动证编号"), max_length=40, null=True, blank=True, unique=True)
    certificate_issued_on = models.DateField(_("活动证发放日期"), null=True, blank=True)
    certificate_valid_until = models.DateField(_("活动证有效期至"), null=True, blank=True)
    last_contact_on = models.DateField(_("最近联系日期"))
    last_report_on = models.DateField(_("最近汇报日期"), null=True, blank=True)
    returned_on = models.DateField(_("返回日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("流动党员外出登记")
        verbose_name_plural = _("流动党员外出登记")
        ordering = ["-left_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=models.Q(returned_on__isnull=True),
                                    name="members_outflow_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.destination}"

    @property
    def is_open(self) -> bool:
        return self.returned_on is None


class MobilityRecord(models.Model):
    """A dated record of a mobile member: taking part at the host (参加组织生活) or reporting home (向原党组织汇报)."""

    class Kind(models.TextChoices):
        PARTICIPATION = "participation", _("参加流入地组织生活")
        REPORT = "report", _("向流出党组织汇报")

    outflow = models.ForeignKey(Outflow, on_delete=models.CASCADE, related_name="records", verbose_name=_("外出登记"))
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    on = models.DateField(_("日期"))
    note = models.CharField(_("内容"), max_length=300)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("记录组织"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("流动党员活动记录")
        verbose_name_plural = _("流动党员活动记录")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.outflow_id} {self.kind} {self.on}"
