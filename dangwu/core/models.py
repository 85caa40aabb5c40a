"""Role assignments, the hash-chained audit log, and the abstract record of a background task's run."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class AuditActionChoices(StrEnum):
    """The base of every app's `AuditAction`: the actions it records in the audit log, each with
    its label in the reader's language (`MEMBER_CREATE = "member.create", _("建立党员档案")`).

    The label lives beside the value, the one place an action is declared; the audit page finds
    every app's actions as the subclasses of this class (`core.auditlog.action_enums`), so core
    imports no app, and an action without a Chinese label fails a test (test_auditlog).

    A `StrEnum` (each member is its code, as stored) rather than Django's `TextChoices`, whose
    metaclass turns the `(code, label)` pairs into members where a type checker cannot follow:
    with this `__new__` mypy sees each member as the enum, a `str`, as the services declare it.
    """

    _label: Any

    def __new__(cls, value: str, label: Any = None) -> AuditActionChoices:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> Any:
        """The label as declared, or — like `TextChoices` — one made of the member's name."""
        return self._label if self._label is not None else self.name.replace("_", " ").title()


class AuditAction(AuditActionChoices):
    """What core's services record in the audit log. Every app names its actions one way,
    `<domain>.<object>_<verb>` or `<domain>.<verb>`, in an enum of its own models.py (a subclass
    of `AuditActionChoices`, with a label each), and each service declares its one action with
    `core.audit.audited` (decision 0015)."""

    ROLE_GRANT = "role.grant", _("授予角色")
    ROLE_REVOKE = "role.revoke", _("撤销角色")
    ACCOUNT_CREATE = "account.create", _("创建账号")
    ACCOUNT_API_TOKEN = "account.api_token", _("签发接口令牌")
    ACCOUNT_API_TOKEN_REVOKE = "account.api_token_revoke", _("吊销接口令牌")
    ACCOUNT_TOTP_ENROL = "account.totp_enrol", _("绑定动态口令")
    ACCOUNT_LOGIN = "account.login", _("登录")
    ACCOUNT_LOGIN_FAILED = "account.login_failed", _("登录失败")
    ACCOUNT_LOGOUT = "account.logout", _("退出登录")
    ACCOUNT_PASSWORD_CHANGE = "account.password_change", _("修改密码")
    ACCESS_DENIED = "access.denied", _("越权访问被拒绝")
    NOTICE_SEND = "notice.send", _("发送通知")
    NOTICE_PREFERENCES_CHANGE = "notice.preferences_change", _("修改通知接收方式")


class RoleAssignment(models.Model):
    """A role held at an organization (角色任命); it reaches the organization's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    organization = models.ForeignKey(
        settings.DANGWU_ORGANIZATION_MODEL, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("党组织")
    )
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色任命")
        verbose_name_plural = _("角色任命")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "organization"], name="unique_role_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.organization_id}"


class AuditHead(models.Model):
    """The single row that holds the chain's tip; writers lock it to keep the chain linear."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"


class AuditEntry(models.Model):
    """One audited action (审计日志): who, what, which object, in which organization, when."""

    seq = models.BigIntegerField(_("序号"), unique=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    target_id = models.CharField(_("对象"), max_length=64, blank=True)
    target_repr = models.CharField(_("对象名称"), max_length=200, blank=True)
    organization_id_value = models.BigIntegerField(_("党组织"), null=True, blank=True, db_index=True)
    summary = models.JSONField(_("摘要"), default=dict, blank=True)
    ip_address = models.CharField(_("IP 地址"), max_length=45, blank=True)
    algorithm = models.CharField(max_length=10, default="sha256")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"


class AccountSecurity(models.Model):
    """Per-account security facts the auth tables do not keep: when the password last changed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security")
    password_changed_at = models.DateTimeField(_("密码修改时间"))

    class Meta:
        verbose_name = _("账号安全")
        verbose_name_plural = _("账号安全")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.password_changed_at:%Y-%m-%d}"


class ApiTokenFactor(models.Model):
    """Whether an API token was issued after the second factor was checked. A token is worth what
    its login proved: each request compares this with what the account needs now (a role granted
    since, or DANGWU_REQUIRE_2FA turned on), and a token without this row counts as issued on the
    password alone."""

    token = models.OneToOneField("authtoken.Token", on_delete=models.CASCADE, primary_key=True,
                                 related_name="factor")
    second_factor = models.BooleanField(_("已验证动态口令"), default=False)

    class Meta:
        verbose_name = _("接口令牌的验证方式")
        verbose_name_plural = _("接口令牌的验证方式")

    def __str__(self) -> str:
        return f"{self.token_id}: {'otp' if self.second_factor else 'password'}"


class TaskRun(models.Model):
    """One run of a background task and how it went (abstract): the base of the models that
    record one — a roster import or export, a monthly dues assessment — and that the status pages
    poll for `finished` and `percent`.

    The subclass adds what it works on (its organization, its file or month) and its counters,
    naming them in `progress_fields` (done, total). A subclass may declare `status` again with its
    own labels (and `Status` choices), or `created_by` with another deletion rule. The writes to
    such a row (status, progress) are bookkeeping of the task, not business writes: they are not
    audited; the service the task runs is.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在处理")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("发起人"))
    message = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Written every DANGWU_TASK_HEARTBEAT_SECONDS while the task runs (`core.runs.heartbeat`), from
    # a thread of its own: a running run whose heartbeat stopped lost its worker (decision 0021).
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)  # its django-tasks result (`core.runs.enqueue`)

    progress_fields: tuple[str, str] = ("processed_rows", "total_rows")  # (done, total)
    # A failed roster import wrote nothing: its bar is full. A failed assessment run keeps its
    # committed batches and resumes: its bar shows how far it got.
    failed_is_complete: bool = True

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        # How far, 0–100: 100 only when done, or failed if `failed_is_complete`. (No docstring:
        # the API schema would show it as the field's description.)
        if self.status == "done" or (self.failed_is_complete and self.status == "failed"):
            return 100
        done, total = (getattr(self, name) for name in self.progress_fields)
        if not total:
            return 0
        return min(99, int(done * 100 / total))


class ImportRun(TaskRun):
    """One upload of a spreadsheet to import and how its background run went (abstract): the
    file until it is read (`core.uploads.discard_upload`: it may hold full ID numbers), the phase
    and rows for the status page, the first errors and the error report. A subclass adds what it
    imports into (its organization, year …) and its counters. A run whose worker died stays
    `running` with an old `started_at`; reaping it means marking it failed and deleting `file`.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在处理")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未通过")

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=300, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    phase = models.CharField(_("阶段"), max_length=20, blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误（前若干条）"), default=list, blank=True)
    error_report = models.FileField(_("错误报告"), upload_to="imports/%Y/%m/", max_length=300, blank=True)
    client_ip = models.CharField(max_length=45, blank=True)

    class Meta(TaskRun.Meta):
        abstract = True

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


# --- notifications (通知): one notice, its inbox rows, its deliveries by other channels ------------

class Channel(models.TextChoices):
    """The channels a notice travels by besides the in-app inbox (站内信), which every notice uses."""

    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")


class Notice(models.Model):
    """One notice sent to many people (通知): what it says, once; each recipient has a row in the
    inbox (`Notification`) and, for each other channel they get it by, a `Delivery`."""

    kind = models.CharField(_("类别"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    organization = models.ForeignKey(settings.DANGWU_ORGANIZATION_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+", verbose_name=_("党组织"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("发送人"))
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    recipient_count = models.PositiveIntegerField(_("接收人数"), default=0)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:  # no title: the audit log names the notice, not what it says
        return f"{self.kind} #{self.pk}"


class NoticeAttachment(models.Model):
    """A file sent with a notice's email (a meeting's .ics invitation): small, kept in the row."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    content = models.BinaryField(_("内容"))

    class Meta:
        verbose_name = _("通知附件")
        verbose_name_plural = _("通知附件")

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """A notice in one person's inbox (站内信): the rows are the inbox. Kept narrow — a notice to a
    city writes 900,000 of them in one INSERT … SELECT (decision 0025). `read_at` is the read
    receipt: when the person first opened it."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        constraints = [
            # one row a person a notice, whatever the caller passed; also the inbox's index (newest first)
            models.UniqueConstraint(fields=["user", "notice"], name="unique_notification_user_notice"),
        ]
        indexes = [
            # the header's unread count: one small index of the unread rows only
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.notice_id}"


class Delivery(models.Model):
    """One notice to one person by one channel other than the inbox, and how its sending went
    (`core.notify_delivery`): queued, sent, failed after the retries, or skipped (no address)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("无地址，未发送")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知投递")
        verbose_name_plural = _("通知投递")
        constraints = [
            models.UniqueConstraint(fields=["notice", "channel", "user"], name="unique_delivery"),
        ]
        indexes = [
            models.Index(fields=["notice", "channel"], condition=models.Q(status="queued"),
                         name="delivery_queued"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} · {self.user_id} · {self.channel}: {self.status}"


class NotificationPreference(models.Model):
    """A person's choice for one kind of notice and one channel, where it differs from the kind's
    default (`registries.NotificationKind.channels`): no row, the default."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类别"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    enabled = models.BooleanField(_("接收"))

    class Meta:
        verbose_name = _("通知接收方式")
        verbose_name_plural = _("通知接收方式")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="unique_notification_preference"),
        ]
        indexes = [
            # who chose a channel a kind does not use by default: read by each notice of that kind
            models.Index(fields=["kind", "channel"], name="notification_preference_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.kind} · {self.channel}: {self.enabled}"
