"""Forms of the recruitment pages: parse and show input; the services check and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangwu.members.selectors import education_choices

from . import rules
from .models import Candidate, Sponsor


def _styled(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the documents of a step)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.txt"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ApplicationForm(forms.Form):
    """网上申请入党 (and the branch's registration of a paper application)."""

    organization = forms.IntegerField(label=_("申请加入的党支部"), widget=forms.HiddenInput,
                                      error_messages={"required": _("请先查找并选择党支部")})
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=18,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
                                help_text=_("出生日期和性别由公民身份号码确定；号码加密保存，页面上只显示部分数字"))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    ethnicity = forms.CharField(label=_("民族"), max_length=20, initial="汉族")
    education = forms.ChoiceField(label=_("学历"), required=False, choices=lambda: [("", "—"), *education_choices()])
    work_unit = forms.CharField(label=_("工作单位及职务（或就读学校）"), max_length=120, required=False)
    applied_on = forms.DateField(label=_("入党申请书落款日期"), widget=DateInput())
    documents = MultipleFileField(label=_("入党申请书（扫描件或电子文档，可多份）"))

    def __init__(self, *args, online: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if online:
            del self.fields["applied_on"]  # an online application is dated the day it is sent
        else:
            self.fields["applied_on"].initial = timezone.localdate()
            self.fields["organization"].widget = forms.HiddenInput()
        _styled(self)


class StepForm(forms.Form):
    """One step of the 25: date, deciding body, responsible person, notes, documents; the numbers
    of a vote for the two general-meeting steps; the length of the concentrated training."""

    done_on = forms.DateField(label=_("日期"), widget=DateInput())
    body = forms.CharField(label=_("决定机关（组织）"), max_length=120, required=False)
    responsible = forms.CharField(label=_("负责人"), max_length=60, required=False)
    notes = forms.CharField(label=_("情况记录"), required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    training_days = forms.DecimalField(label=_("培训天数"), required=False, min_value=0, max_value=1000,
                                       decimal_places=1)
    training_hours = forms.DecimalField(label=_("培训学时"), required=False, min_value=0, max_value=1000,
                                        decimal_places=1)
    should_attend = forms.IntegerField(label=_("应到会有表决权的正式党员（人）"), min_value=0, max_value=100000)
    present = forms.IntegerField(label=_("实到会有表决权的党员（人）"), min_value=0, max_value=100000)
    in_favour = forms.IntegerField(label=_("到会赞成（人）"), min_value=0, max_value=100000)
    against = forms.IntegerField(label=_("到会反对（人）"), min_value=0, max_value=100000, initial=0)
    abstained = forms.IntegerField(label=_("到会弃权（人）"), min_value=0, max_value=100000, initial=0)
    written_in_favour = forms.IntegerField(label=_("未到会者书面意见赞成（人）"), min_value=0, max_value=100000,
                                           initial=0)
    written_against = forms.IntegerField(label=_("未到会者书面意见反对（人）"), min_value=0, max_value=100000,
                                         initial=0)
    documents = MultipleFileField(label=_("材料（可多份）"))

    VOTE = ("should_attend", "present", "in_favour", "against", "abstained", "written_in_favour", "written_against")

    def __init__(self, *args, code: str, voting_members: int | None = None, deciding_body: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code
        self.fields["done_on"].initial = timezone.localdate()
        # the real name of the body (rules.deciding_body), else the usual kind of body
        self.fields["body"].initial = deciding_body or str(rules.STEPS[code].body)
        if code not in rules.VOTE_STEPS:
            for name in self.VOTE:
                del self.fields[name]
        else:
            for name in self.VOTE[3:]:  # against, abstained, written opinions: 0 when left empty
                self.fields[name].required = False
            if voting_members is not None:
                self.fields["should_attend"].help_text = _("本支部党籍正常的正式党员现有%(n)d人") % {
                    "n": voting_members}
        if code != "target_training":
            del self.fields["training_days"]
            del self.fields["training_hours"]
        else:
            self.fields["training_days"].help_text = _("集中培训一般不少于三天（或不少于24个学时）")
        _styled(self)

    @property
    def vote_fields(self):
        return [self[name] for name in self.VOTE if name in self.fields]

    @property
    def main_fields(self):
        return [self[name] for name in self.fields if name not in self.VOTE]


class SponsorForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=Sponsor.Kind.choices)
    member = forms.ChoiceField(label=_("党员"))
    assigned_on = forms.DateField(label=_("确定日期"), widget=DateInput())

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", _("请选择本支部的正式党员"))] + [
            (str(m.pk), f"{m.name}（{m.id_number_masked[-4:]}）") for m in members]
        self.fields["assigned_on"].initial = timezone.localdate()
        _styled(self)


class ExtensionForm(forms.Form):
    months = forms.TypedChoiceField(label=_("延长时间"), coerce=int,
                                    choices=[(n, _("%(n)d个月") % {"n": n}) for n in range(6, 13)])
    decided_on = forms.DateField(label=_("决定日期"), widget=DateInput())
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = timezone.localdate()
        _styled(self)


class CancelForm(forms.Form):
    on = forms.DateField(label=_("决定日期"), widget=DateInput())
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        _styled(self)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("材料名称"), max_length=120)
    step = forms.ChoiceField(label=_("所属步骤"), required=False)
    file = forms.FileField(label=_("文件"), widget=forms.ClearableFileInput(
        attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.txt"}))

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [("", "—")] + [(str(s.pk), f"{s.info.number}. {s.info.label}") for s in steps]
        _styled(self)


class BoardFilterForm(forms.Form):
    org = forms.IntegerField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("姓名或拼音"), required=False, max_length=50)
    stage = forms.ChoiceField(label=_("阶段"), required=False, choices=[("", _("全部阶段")), *rules.STAGES])
    attention = forms.ChoiceField(label=_("需要关注"), required=False, choices=[
        ("", _("全部")), ("overdue", _("已超期")), ("superior", _("待上级党委办理")),
        ("reports", _("未按期提交思想汇报")), ("talk", _("逾期未谈话")), ("steps_overdue", _("其他步骤超期"))])
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[
        (Candidate.Status.ACTIVE, Candidate.Status.ACTIVE.label), (Candidate.Status.COMPLETED, Candidate.Status.COMPLETED.label),
        (Candidate.Status.CANCELLED, Candidate.Status.CANCELLED.label), ("all", _("全部"))])


class ThoughtReportForm(forms.Form):
    """思想汇报: a title, the text, and attachments (checked for 密级 markings by the service)."""

    title = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(label=_("正文"), max_length=20000, widget=forms.Textarea(attrs={"rows": 12}))
    attachments = MultipleFileField(label=_("附件（可多份，最多5个）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class CommentForm(forms.Form):
    body = forms.CharField(label=_("评阅意见"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class PublicityForm(forms.Form):
    """公示: the first day and how it was made known (where posted, any feedback)."""

    starts_on = forms.DateField(label=_("公示开始日期"), widget=DateInput())
    notes = forms.CharField(label=_("公示情况（范围、方式、反映的问题）"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].initial = timezone.localdate()
        _styled(self)
