"""The organization tree (网络化党组织体系) and committee positions with terms of office."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node

from dangwu.core.models import AuditActionChoices
from dangwu.core.validators import validate_phone, validate_single_line


class AuditAction(AuditActionChoices):
    """What the tree's services record in the audit log (one each: core.audit.audited)."""

    ORG_CREATE = "org.create", _("设立党组织")
    ORG_UPDATE = "org.update", _("修改党组织")
    ORG_APPOINT = "org.appoint", _("任命委员")


class OrgType(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    WORKING_COMMITTEE = "working_committee", _("党工委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    TEMPORARY_BRANCH = "temporary_branch", _("临时党支部")
    GROUP = "group", _("党小组")
    PARTY_GROUP = "party_group", _("党组")


BRANCH_TYPES = (OrgType.BRANCH, OrgType.JOINT_BRANCH, OrgType.TEMPORARY_BRANCH)
# Organizations a member's relations (组织关系) may be kept in, so that may receive a transfer: not a
# 党小组 (part of its branch), a 党组 (a leading group, not a basic organization) or a 临时党支部
# (its members keep their relations where they were).
MEMBER_HOLDING_TYPES = (OrgType.BRANCH, OrgType.JOINT_BRANCH, OrgType.GENERAL_BRANCH, OrgType.COMMITTEE,
                        OrgType.WORKING_COMMITTEE)


class UnitCategory(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("党委机关")
    GOVERNMENT = "government", _("机关")
    PUBLIC_INSTITUTION = "institution", _("事业单位")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    STATE_ENTERPRISE = "state_enterprise", _("国有企业")
    PRIVATE_ENTERPRISE = "private_enterprise", _("非公有制企业")
    SOCIAL_ORG = "social_org", _("社会组织")
    VILLAGE = "village", _("农村")
    COMMUNITY = "community", _("城市社区")
    TOWNSHIP = "township", _("乡镇(街道)")
    OTHER = "other", _("其他")


class Organization(MP_Node):
    """A party organization (党组织). Its place in the tree is the materialized `path`."""

    # Each field's one check is its validators: the form, the API's serializer and the services'
    # full_clean all run them (issue 12, finding 8).
    code = models.CharField(_("党组织代码"), max_length=32, unique=True, validators=[validate_single_line])
    name = models.CharField(_("名称"), max_length=120, db_index=True, validators=[validate_single_line])
    org_type = models.CharField(_("组织类别"), max_length=24, choices=OrgType.choices)
    unit_name = models.CharField(_("单位名称"), max_length=120, blank=True, validators=[validate_single_line])
    unit_category = models.CharField(
        _("单位类别"), max_length=24, choices=UnitCategory.choices, default=UnitCategory.OTHER
    )
    region_code = models.CharField(_("行政区划代码"), max_length=12, blank=True, validators=[RegexValidator(
        r"^[0-9]{6}([0-9]{3}){0,2}$", _("行政区划代码应为6、9或12位数字"), code="region_code")])
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField(_("地址"), max_length=200, blank=True, validators=[validate_single_line])

    history = HistoricalRecords(excluded_fields=["path", "depth", "numchild"])

    steplen = 4
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")

    def __str__(self) -> str:
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.org_type in BRANCH_TYPES


class Post(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
    ORGANIZATION = "organization", _("组织委员")
    PROPAGANDA = "propaganda", _("宣传委员")
    DISCIPLINE = "discipline", _("纪检委员")
    YOUTH = "youth", _("青年委员")
    WOMEN = "women", _("妇女委员")
    MEMBER = "member", _("委员")


class CommitteePosition(models.Model):
    """A seat on an organization's committee (书记, 委员) for one term of office."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="positions", verbose_name=_("党组织")
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="positions", verbose_name=_("党员")
    )
    post = models.CharField(_("职务"), max_length=24, choices=Post.choices)
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期届满"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("委员职务")
        verbose_name_plural = _("委员职务")
        ordering = ["organization", "post", "term_start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(term_end__gt=models.F("term_start")), name="term_end_after_start"),
            # One serving secretary (书记) per organization; services.appoint_committee_member explains a refusal.
            models.UniqueConstraint(fields=["organization"], condition=models.Q(post="secretary", ended_on__isnull=True),
                                    name="one_active_secretary_per_organization"),
        ]
        # 换届提醒 (`selectors.terms_due`): the serving seats whose term ends by a day
        indexes = [models.Index(fields=["term_end"], condition=models.Q(ended_on__isnull=True),
                                name="orgs_position_serving_end")]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_post_display()}"
