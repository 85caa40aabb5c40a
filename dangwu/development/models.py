"""The recruitment pipeline (发展党员): people on their way to membership and the steps they took."""

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dangwu.core import crypto
from dangwu.members import rules as member_rules
from dangwu.members.models import Gender

from . import rules


class AuditAction(StrEnum):
    """What the recruitment pipeline's services record in the audit log, one each
    (`core.audit.audited`, decision 0015). Admitting and converting a person also writes members'
    own entry (`member.create`, `member.update`, `member.standing`) through members' services."""

    APPLY = "development.apply"  # 申请入党
    STEP = "development.step"  # 记录发展步骤
    SPONSOR = "development.sponsor"  # 确定培养联系人或入党介绍人
    SPONSOR_REMOVE = "development.sponsor_remove"  # 撤销培养联系人或入党介绍人
    DOCUMENT = "development.document"  # 上传发展材料
    EXTEND = "development.extend"  # 延长预备期
    CANCEL = "development.cancel"  # 终止发展或取消预备党员资格
    PUBLICITY = "development.publicity"  # 发展对象公示
    THOUGHT_REPORT = "development.thought_report"  # 提交思想汇报
    THOUGHT_REPORT_COMMENT = "development.thought_report_comment"  # 评阅思想汇报
    IMPORT = "development.import"  # 导入发展过程信息
    VIEW_ID_NUMBER = "development.view_id_number"  # 打印含完整公民身份号码的发展文书


STEP_CHOICES = [(code, info.label) for code, info in rules.STEPS.items()]
STAGE_CHOICES = [(code, label) for code, label in rules.STAGES]


class Candidate(models.Model):
    """A person in the pipeline (入党申请人 → 入党积极分子 → 发展对象 → 预备党员 → 正式党员).

    An applicant need not be a member yet, nor have a member record: the person is held here
    (name, ID number encrypted as members' are, birth date, branch) and linked to their login
    account when they applied online. When the superior committee approves the admission, the
    person gets a member record (`member`) through members' services.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("发展中")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已终止")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="development_candidacies", verbose_name=_("登录账号"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT,
                                     related_name="development_candidates", verbose_name=_("所在党支部"))
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=200, editable=False, db_index=True)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    birth_date = models.DateField(_("出生日期"))
    id_number_encrypted = models.TextField(_("公民身份号码（密文）"), editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, editable=False)
    phone_encrypted = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    work_unit = models.CharField(_("工作单位及职务"), max_length=120, blank=True)
    education = models.CharField(_("学历"), max_length=24, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE,
                              db_index=True)
    # Kept with each step for the board's filters and counts (derived from the steps).
    stage = models.CharField(_("阶段"), max_length=12, choices=STAGE_CHOICES, default="applicant", db_index=True)
    last_step = models.CharField(_("最近完成的步骤"), max_length=32, choices=STEP_CHOICES, blank=True)
    last_step_on = models.DateField(_("最近步骤日期"), null=True, blank=True)
    due_on = models.DateField(_("组织办理期限"), null=True, blank=True, db_index=True)
    member = models.OneToOneField("members.Member", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="development_record", verbose_name=_("党员档案"))
    extension_months = models.PositiveSmallIntegerField(_("延长预备期（月）"), null=True, blank=True)
    extension_decided_on = models.DateField(_("延长预备期决定日期"), null=True, blank=True)
    extension_reason = models.TextField(_("延长预备期原因"), blank=True)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.TextField(_("终止原因"), blank=True)
    applied_online = models.BooleanField(_("网上申请"), default=False)
    # 公示 before the admission vote: its first day and last day (working days, Monday–Friday).
    publicity_starts_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    publicity_ends_on = models.DateField(_("公示结束日期"), null=True, blank=True)
    publicity_working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), null=True, blank=True)
    publicity_notes = models.TextField(_("公示情况"), blank=True)
    # The day of the latest thought report (思想汇报), kept for the board's reminder.
    last_report_on = models.DateField(_("最近一次思想汇报"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["name_pinyin", "id_number_hash"])

    class Meta:
        verbose_name = _("发展对象")
        verbose_name_plural = _("发展党员")
        ordering = ["organization_id", "name_pinyin", "id"]
        indexes = [models.Index(fields=["organization", "status", "stage"])]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], condition=models.Q(status="active"),
                                    name="one_active_candidacy_per_person"),
            models.CheckConstraint(
                condition=models.Q(extension_months__isnull=True)
                | models.Q(extension_months__gte=rules.EXTENSION_MIN_MONTHS,
                           extension_months__lte=rules.EXTENSION_MAX_MONTHS),
                name="extension_6_to_12_months"),
        ]

    def __str__(self) -> str:
        return self.name

    def set_id_number(self, number: str) -> None:
        self.id_number_encrypted = crypto.encrypt(number)
        self.id_number_hash = crypto.lookup_hash(number)
        self.id_number_masked = member_rules.mask_id_number(number)

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    def set_phone(self, number: str) -> None:
        self.phone_encrypted = crypto.encrypt(number)
        self.phone_masked = member_rules.mask_phone(number)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)

    @property
    def stage_label(self) -> str:
        return str(rules.STAGE_LABELS.get(self.stage, ""))


class Step(models.Model):
    """One step of the 25 done (发展程序记录): when, by which body, who was responsible, notes."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="steps")
    code = models.CharField(_("步骤"), max_length=32, choices=STEP_CHOICES)
    done_on = models.DateField(_("日期"))
    body = models.CharField(_("决定机关"), max_length=120, blank=True)
    responsible = models.CharField(_("负责人"), max_length=60, blank=True)
    notes = models.TextField(_("情况记录"), blank=True)
    training_days = models.DecimalField(_("培训天数"), max_digits=5, decimal_places=1, null=True, blank=True)
    training_hours = models.DecimalField(_("培训学时"), max_digits=6, decimal_places=1, null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("发展步骤")
        verbose_name_plural = _("发展步骤")
        ordering = ["candidate_id", "done_on", "id"]
        constraints = [models.UniqueConstraint(fields=["candidate", "code"], name="one_record_per_step")]

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.code} {self.done_on}"

    @property
    def info(self) -> rules.StepInfo:
        return rules.STEPS[self.code]


class Vote(models.Model):
    """The numbers of a branch general meeting's vote (支部党员大会表决) on admission or conversion."""

    step = models.OneToOneField(Step, on_delete=models.CASCADE, related_name="vote")
    should_attend = models.PositiveIntegerField(_("应到会有表决权的正式党员"))
    present = models.PositiveIntegerField(_("实到会有表决权的党员"))
    in_favour = models.PositiveIntegerField(_("赞成"))
    against = models.PositiveIntegerField(_("反对"), default=0)
    abstained = models.PositiveIntegerField(_("弃权"), default=0)
    written_in_favour = models.PositiveIntegerField(_("书面意见赞成"), default=0)
    written_against = models.PositiveIntegerField(_("书面意见反对"), default=0)

    class Meta:
        verbose_name = _("支部大会表决")
        verbose_name_plural = _("支部大会表决")

    def __str__(self) -> str:
        return f"{self.in_favour + self.written_in_favour}/{self.should_attend}"

    @property
    def votes_for(self) -> int:
        return self.in_favour + self.written_in_favour


def document_path(instance: "Document", filename: str) -> str:
    return f"development/{instance.candidate_id}/{filename}"


class Document(models.Model):
    """A document kept with a person's record (入党申请书, 志愿书, 政审材料 …), often of one step."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="documents")
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents")
    title = models.CharField(_("材料名称"), max_length=120)
    file = models.FileField(_("文件"), upload_to=document_path, max_length=300)
    file_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发展材料")
        verbose_name_plural = _("发展材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title


class Sponsor(models.Model):
    """A member who accompanies the person: a contact person (培养联系人, from the activist stage)
    or an introducer (入党介绍人, from the development-target stage)."""

    class Kind(models.TextChoices):
        CONTACT = "contact", _("培养联系人")
        INTRODUCER = "introducer", _("入党介绍人")

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="sponsors")
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="sponsorships",
                               verbose_name=_("党员"))
    assigned_on = models.DateField(_("确定日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("培养联系人/入党介绍人")
        verbose_name_plural = _("培养联系人/入党介绍人")
        ordering = ["kind", "assigned_on", "id"]
        constraints = [models.UniqueConstraint(fields=["candidate", "kind", "member"], name="one_sponsor_role_each")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.member_id}"


class ThoughtReport(models.Model):
    """A thought report (思想汇报) written online by the person in the pipeline; their contact
    persons and the branch read it and comment."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="thought_reports")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    stage = models.CharField(_("阶段"), max_length=12, choices=STAGE_CHOICES)
    written_on = models.DateField(_("汇报日期"), db_index=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("思想汇报")
        verbose_name_plural = _("思想汇报")
        ordering = ["-written_on", "-id"]

    def __str__(self) -> str:
        return self.title


def report_attachment_path(instance: "ReportAttachment", filename: str) -> str:
    return f"development/{instance.report.candidate_id}/reports/{filename}"


class ReportAttachment(models.Model):
    """A file handed in with a thought report (checked for 密级 markings like every upload)."""

    report = models.ForeignKey(ThoughtReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=report_attachment_path, max_length=300)
    file_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)

    class Meta:
        verbose_name = _("思想汇报附件")
        verbose_name_plural = _("思想汇报附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file_name


class ReportComment(models.Model):
    """A comment of a contact person or a branch cadre on a thought report (the person sees it)."""

    report = models.ForeignKey(ThoughtReport, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(_("评阅人"), max_length=60)
    author_role = models.CharField(_("身份"), max_length=30)
    body = models.TextField(_("评阅意见"))
    created_at = models.DateTimeField(_("评阅时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("思想汇报评阅")
        verbose_name_plural = _("思想汇报评阅")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:20]}"
