"""The standard documents of the recruitment steps (谈话记实表 …): filled from the record as .docx,
available after their step, replaceable by the province's own templates."""

from datetime import date
from io import BytesIO

import docx
import pytest
from django.test import Client
from django.urls import reverse

from dangwu.development import paperwork, selectors, services
from dangwu.development.default_templates import write_templates
from dangwu.development.models import Step
from dangwu.development.tests.conftest import advance, new_applicant, publicity_start, schedule

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> str:
    """Every paragraph and table cell of a .docx, one per line."""
    document = docx.Document(BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture
def far_along(people, world, branch_a_sponsors):
    """A probationary member of branch A whose steps are recorded up to the continued education."""
    candidate = new_applicant(people["secretary"], world.branch_a)
    candidate = advance(candidate, "probation_education", branch=people["secretary"], superior=people["city_a"],
                        sponsors=branch_a_sponsors)
    Step.objects.filter(candidate=candidate).update(body="芙蓉区第一党支部", responsible="李书记")
    return candidate


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("code", list(paperwork.KINDS))
def test_each_kind_renders_the_persons_record(code, far_along, world):
    kind = paperwork.KINDS[code]
    dates = schedule(far_along.steps.get(code="application").done_on)
    data = paperwork.render(far_along, kind, today=date(2026, 11, 28))
    text = text_of(data)
    assert "{{" not in text and "{%" not in text and "}}" not in text
    assert str(kind.title) in text
    assert "陈思远" in text and "男" in text and cn(date(1998, 4, 12)) in text
    assert world.branch_a.name in text and world.county_a.name in text  # the branch and its superior committee
    assert far_along.id_number_masked in text and far_along.id_number not in text
    if code == "publicity_notice":
        assert cn(publicity_start(dates)) in text and cn(dates["committee_review"]) in text
    else:
        assert cn(dates[kind.step]) in text
        assert "2026年11月28日" in text  # the date of filling in


def test_facts_of_the_steps_appear_where_they_belong(far_along):
    kinds = paperwork.KINDS
    filing = text_of(paperwork.render(far_along, kinds["probationary_filing"]))
    assert "应到10人，实到8人；赞成7人，反对1人，弃权0人；书面意见赞成1人" in filing
    assert "李书记、张三" in filing  # the introducers
    training = text_of(paperwork.render(far_along, kinds["training_appraisal"]))
    assert "3" in [line.strip() for line in training.splitlines()]  # training days, without ".0"
    talk = text_of(paperwork.render(far_along, kinds["talk_record"]))
    assert "李书记" in talk and "芙蓉区第一党支部" in talk


def test_notes_keep_their_lines_and_markup_is_text(far_along):
    Step.objects.filter(candidate=far_along, code="first_talk").update(notes="态度端正 <b>&amp;\n第二行{{ name }}")
    text = text_of(paperwork.render(far_along, paperwork.KINDS["talk_record"]))
    assert "态度端正 <b>&amp;\n第二行{{ name }}" in text  # kept as written: a note is not a template


def test_documents_become_available_step_by_step(people, world, branch_a_sponsors):
    def codes(candidate):
        return [k.code for k in paperwork.available_kinds(candidate=candidate,
                                                          history=selectors.history_of(candidate))]

    candidate = new_applicant(people["secretary"], world.branch_a)
    assert codes(candidate) == []
    kw = {"branch": people["secretary"], "superior": people["city_a"], "sponsors": branch_a_sponsors}
    candidate = advance(candidate, "first_talk", **kw)
    assert codes(candidate) == ["talk_record"]
    candidate = advance(candidate, "activist_training", **kw)
    assert codes(candidate) == ["talk_record", "activist_filing", "activist_training"]
    candidate = advance(candidate, "committee_review", **kw)
    assert "publicity_notice" not in codes(candidate) and "prereview" not in codes(candidate)
    dates = schedule(candidate.steps.get(code="application").done_on)
    candidate = services.start_publicity(actor=people["secretary"], candidate=candidate,
                                         starts_on=publicity_start(dates))
    assert codes(candidate)[-1] == "publicity_notice" and "prereview" not in codes(candidate)
    candidate = advance(candidate, "probation_education", **kw)
    assert codes(candidate) == list(paperwork.KINDS)


def _template(path, text: str) -> None:
    document = docx.Document()
    document.add_paragraph(text)
    document.save(str(path))


def test_the_administrators_template_wins(far_along, settings, tmp_path):
    _template(tmp_path / "talk_record.docx", "本省谈话记实表 {{ name }} {{ step.date }}")
    settings.DANGWU_DOCX_TEMPLATES = str(tmp_path)
    assert paperwork.template_path(paperwork.KINDS["talk_record"]) == tmp_path / "talk_record.docx"
    dates = schedule(far_along.steps.get(code="application").done_on)
    text = text_of(paperwork.render(far_along, paperwork.KINDS["talk_record"]))
    assert text.strip() == f"本省谈话记实表 陈思远 {cn(dates['first_talk'])}"
    # the other kinds keep the defaults
    assert paperwork.template_path(paperwork.KINDS["prereview"]) == paperwork.DEFAULT_FOLDER / "prereview.docx"
    assert "发展对象预审表" in text_of(paperwork.render(far_along, paperwork.KINDS["prereview"]))


@pytest.mark.parametrize("content,expected", [
    (b"not a zip file", "不是有效的 Word（.docx）文件"),
    ("{{ name ", "占位符语法错误"),
    ("{% for x in %}", "占位符语法错误"),
])
def test_a_broken_template_gives_a_message(content, expected, far_along, settings, tmp_path, people):
    path = tmp_path / "talk_record.docx"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        _template(path, content)
    settings.DANGWU_DOCX_TEMPLATES = str(tmp_path)
    with pytest.raises(paperwork.TemplateBroken) as raised:
        paperwork.render(far_along, paperwork.KINDS["talk_record"])
    assert expected in raised.value.message and "talk_record.docx" in raised.value.message
    response = client_of(people["secretary"]).get(
        reverse("development:paperwork", args=[far_along.pk, "talk_record"]), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "谈话记实表" in page and expected in page


def test_download_is_a_docx_named_after_the_document(far_along, people):
    response = client_of(people["city_a"]).get(
        reverse("development:paperwork", args=[far_along.pk, "political_review"]))
    assert response.status_code == 200
    assert response["Content-Type"] == paperwork.CONTENT_TYPE
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "陈思远" in text_of(response.content)


def test_unknown_or_not_yet_available_kinds_are_404(people, world):
    candidate = new_applicant(people["secretary"], world.branch_a)
    client = client_of(people["secretary"])
    for kind in ("talk_record", "nonsense", "talk_record.docx", "%00", "x" * 300):
        response = client.get(f"/development/{candidate.pk}/documents/{kind}.docx")
        assert response.status_code == 404, kind
    assert client.get(f"/development/{candidate.pk + 999}/documents/talk_record.docx").status_code == 404


def test_the_persons_page_lists_the_available_documents(far_along, people, world):
    page = client_of(people["secretary"]).get(reverse("development:detail", args=[far_along.pk])).content.decode()
    assert 'id="paperwork"' in page
    for kind in paperwork.KINDS.values():
        assert reverse("development:paperwork", args=[far_along.pk, kind.code]) in page
        assert str(kind.title) in page
    fresh = new_applicant(people["secretary"], world.branch_a, name="周晓雯", serial=9, male=False)
    page = client_of(people["secretary"]).get(reverse("development:detail", args=[fresh.pk])).content.decode()
    assert 'id="paperwork"' in page and "/documents/talk_record.docx" not in page


def test_the_person_themselves_sees_no_documents_card(people, world):
    from dangwu.development.models import Candidate
    from dangwu.testing import make_user

    candidate = new_applicant(people["secretary"], world.branch_a)
    applicant = make_user("applicant_docs")
    Candidate.objects.filter(pk=candidate.pk).update(user=applicant)
    client = client_of(applicant)
    assert 'id="paperwork"' not in client.get(reverse("development:detail", args=[candidate.pk])).content.decode()
    assert client.get(reverse("development:paperwork", args=[candidate.pk, "talk_record"])).status_code == 403


def test_the_script_writes_every_default_template(tmp_path):
    written = write_templates(tmp_path)
    assert sorted(p.name for p in written) == sorted(k.file_name for k in paperwork.KINDS.values())
    for path in written:
        text = text_of(path.read_bytes())
        assert "{{ name }}" in text and "{{ branch }}" in text
        assert (paperwork.DEFAULT_FOLDER / path.name).is_file()
