"""Standard documents of the recruitment steps (发展党员工作文书), filled as .docx from a person's record.

Each kind names the step after which it exists (the 公示 notice exists once a 公示 is recorded), the
steps whose facts it shows, and a template file. The templates are Word documents with Jinja
placeholders rendered by `docxtpl`; the defaults live in `docx_templates/` (written by
`default_templates.py`), and an administrator replaces any of them by putting a file of the same
name in the folder named by the setting DANGWU_DOCX_TEMPLATES. Every kind gets the same context
(`build_context`), so a province's template may use any placeholder; docs/admin-guide.md lists them.

Generating a document is a read of what the person's page already shows, so it is not audited, like
the page and the download of an uploaded document — except the full ID number, which a caller who
may see it gets on the printed form through the audited `services.reveal_id_number` (one entry per
print); everyone else gets the masked number.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import rules
from .models import Candidate, Sponsor, Step

logger = logging.getLogger(__name__)

DEFAULT_FOLDER = Path(__file__).resolve().parent / "docx_templates"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PUBLICITY = "publicity"  # the availability of the 公示 notice: a recorded 公示, not a step


@dataclass(frozen=True)
class Kind:
    """One standard document: `code` is its file name (code.docx) and its address."""

    code: str
    title: Any  # lazy translation
    after: str  # a step code, or PUBLICITY
    step: str  # the step whose facts are `step.*` in the context

    @property
    def file_name(self) -> str:
        return f"{self.code}.docx"


KINDS: dict[str, Kind] = {k.code: k for k in [
    Kind("talk_record", gettext_lazy("谈话记实表"), "first_talk", "first_talk"),
    Kind("activist_filing", gettext_lazy("入党积极分子备案表"), "activist_filed", "activist_filed"),
    Kind("activist_training", gettext_lazy("入党积极分子培养考察表"), "activist_training", "activist_training"),
    Kind("target_filing", gettext_lazy("发展对象备案表"), "target_filed", "target_filed"),
    Kind("political_review", gettext_lazy("发展对象政治审查表"), "political_review", "political_review"),
    Kind("training_appraisal", gettext_lazy("集中培训考核鉴定表"), "target_training", "target_training"),
    Kind("prereview", gettext_lazy("发展对象预审表"), "superior_prereview", "superior_prereview"),
    Kind("publicity_notice", gettext_lazy("发展对象公示"), PUBLICITY, "committee_review"),
    Kind("probationary_filing", gettext_lazy("预备党员备案表"), "approval_filed", "approval_filed"),
    Kind("probation_record", gettext_lazy("预备党员考察记实表"), "probation_education", "probation_education"),
]}


class TemplateBroken(Exception):
    """The template of a kind could not be read or rendered (a broken replacement, usually)."""

    def __init__(self, kind: Kind, path: Path, detail: str):
        super().__init__(detail)
        self.kind, self.path, self.detail = kind, path, detail

    @property
    def message(self) -> str:
        return _("“%(t)s”的模板 %(f)s 无法使用：%(d)s。请系统管理员检查或替换该模板。") % {
            "t": self.kind.title, "f": self.path.name, "d": self.detail}


# --- availability ---------------------------------------------------------------------------------


def is_available(kind: Kind, *, candidate: Candidate, history: dict[str, date]) -> bool:
    if kind.after == PUBLICITY:
        return candidate.publicity_starts_on is not None
    return kind.after in history


def available_kinds(*, candidate: Candidate, history: dict[str, date]) -> list[Kind]:
    return [k for k in KINDS.values() if is_available(k, candidate=candidate, history=history)]


def template_path(kind: Kind) -> Path:
    """The administrator's file of the same name in DANGWU_DOCX_TEMPLATES, else the default."""
    folder = getattr(settings, "DANGWU_DOCX_TEMPLATES", "") or ""
    if folder:
        custom = Path(folder) / kind.file_name
        if custom.is_file():
            return custom
    return DEFAULT_FOLDER / kind.file_name


# --- the context ----------------------------------------------------------------------------------


def chinese_date(day: date | None) -> str:
    """2026年11月28日 (empty for no date)."""
    if day is None:
        return ""
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def superior_committee(organization: Any) -> Any:
    """The nearest 党委 / 党工委 above the branch (the body that files and approves), else its parent."""
    from dangwu.orgs.models import Organization, OrgType

    prefixes = [organization.path[: i * Organization.steplen] for i in range(1, organization.depth)]
    ancestors = list(Organization.objects.filter(path__in=prefixes).order_by("depth"))
    for org in reversed(ancestors):
        if org.org_type in (OrgType.COMMITTEE, OrgType.WORKING_COMMITTEE):
            return org
    return ancestors[-1] if ancestors else None


def _multiline(text: str) -> Any:
    """Keep the line breaks of a note (docxtpl's Listing escapes the text and turns \\n into breaks)."""
    from docxtpl import Listing

    return Listing(text or "")


def _step_facts(code: str, step: Step | None) -> dict[str, Any]:
    return {
        "label": str(rules.STEPS[code].label),
        "date": chinese_date(step.done_on) if step else "",
        "body": step.body if step else "",
        "responsible": step.responsible if step else "",
        "notes": _multiline(step.notes if step else ""),
    }


def _vote_facts(step: Step | None) -> dict[str, Any]:
    vote = getattr(step, "vote", None) if step is not None else None
    names = ["should_attend", "present", "in_favour", "against", "abstained", "written_in_favour", "written_against"]
    facts: dict[str, Any] = {name: (getattr(vote, name) if vote else "") for name in names}
    facts["votes_for"] = vote.votes_for if vote else ""
    return facts


def build_context(candidate: Candidate, kind: Kind, *, today: date | None = None,
                  id_number: str | None = None) -> dict[str, Any]:
    """Every placeholder of every kind (docs/admin-guide.md, "Recruitment documents"). `id_number`:
    the full number read for the caller (audited by the view); the masked one otherwise."""
    today = today or timezone.localdate()
    steps = {s.code: s for s in candidate.steps.select_related("vote").order_by("done_on", "id")}
    sponsors = list(candidate.sponsors.select_related("member").order_by("assigned_on", "id"))
    contacts = [s.member.name for s in sponsors if s.kind == Sponsor.Kind.CONTACT]
    introducers = [s.member.name for s in sponsors if s.kind == Sponsor.Kind.INTRODUCER]
    superior = superior_committee(candidate.organization)
    training = steps.get("target_training")
    admission = steps.get("branch_admission_vote")
    return {
        "title": str(kind.title),
        "name": candidate.name,
        "gender": candidate.get_gender_display(),
        "ethnicity": candidate.ethnicity,
        "birth_date": chinese_date(candidate.birth_date),
        "education": candidate.education,
        "work_unit": candidate.work_unit,
        "id_number": id_number or candidate.id_number_masked,
        "phone": candidate.phone_masked,
        "branch": candidate.organization.name,
        "superior": superior.name if superior else "",
        "stage": candidate.stage_label,
        "applied_on": chinese_date(steps["application"].done_on) if "application" in steps else "",
        "today": chinese_date(today),
        "contacts": "、".join(contacts),
        "introducers": "、".join(introducers),
        "step": _step_facts(kind.step, steps.get(kind.step)),
        "steps": {code: _step_facts(code, steps.get(code)) for code in rules.STEP_CODES},
        "vote": _vote_facts(admission),
        "conversion_vote": _vote_facts(steps.get("branch_conversion_vote")),
        "joined_on": chinese_date(admission.done_on) if admission else "",
        "training_days": _number(training.training_days) if training else "",
        "training_hours": _number(training.training_hours) if training else "",
        "publicity_start": chinese_date(candidate.publicity_starts_on),
        "publicity_end": chinese_date(candidate.publicity_ends_on),
        "publicity_days": candidate.publicity_working_days or "",
        "publicity_notes": _multiline(candidate.publicity_notes),
    }


def _number(value: Any) -> str:
    return "" if value is None else format(value.normalize(), "f")


# --- rendering ------------------------------------------------------------------------------------


def render(candidate: Candidate, kind: Kind, *, today: date | None = None, id_number: str | None = None) -> bytes:
    """The filled .docx; TemplateBroken when the template cannot be read or rendered."""
    from docxtpl import DocxTemplate

    path = template_path(kind)
    context = build_context(candidate, kind, today=today, id_number=id_number)
    try:
        document = DocxTemplate(str(path))
        document.render(context, autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except FileNotFoundError:
        raise TemplateBroken(kind, path, _("文件不存在")) from None
    except Exception as exc:  # a replacement template can fail in many ways (zip, XML, Jinja)
        logger.warning("docx template %s failed: %r", path, exc)
        raise TemplateBroken(kind, path, _describe(exc)) from None
    return out.getvalue()


def _describe(exc: Exception) -> str:
    import zipfile

    import jinja2
    from docx.opc.exceptions import PackageNotFoundError

    if isinstance(exc, zipfile.BadZipFile | KeyError | PackageNotFoundError):
        return _("不是有效的 Word（.docx）文件")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return _("占位符语法错误（第%(n)s行）：%(m)s") % {"n": exc.lineno, "m": exc.message or ""}
    if isinstance(exc, jinja2.TemplateError):
        return _("占位符无法填写：%(m)s") % {"m": str(exc)[:200]}
    return _("无法读取模板（%(e)s）") % {"e": type(exc).__name__}


def download_name(candidate: Candidate, kind: Kind) -> str:
    return f"{kind.title}-{candidate.name}.docx"
