"""Forms of organizational life: parse and show input; the services check and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangwu.core.formtools import style_widgets
from dangwu.core.validators import validate_single_line, validate_text

from . import files
from .models import Attendance, Kind, MeetingFile, TalkRecord

WEEKDAYS = [(0, _("星期一")), (1, _("星期二")), (2, _("星期三")), (3, _("星期四")), (4, _("星期五")),
            (5, _("星期六")), (6, _("星期日"))]
WEEKS = [(1, _("第一个")), (2, _("第二个")), (3, _("第三个")), (4, _("第四个")), (-1, _("最后一个"))]


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("会议类型"), choices=Kind.choices)
    title = forms.CharField(label=_("会议名称"), max_length=120, validators=[validate_single_line])
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    place = forms.CharField(label=_("地点"), max_length=200, required=False, validators=[validate_single_line])
    online_url = forms.CharField(label=_("网络会议链接"), max_length=500, required=False,
                                 help_text=_("可选：本支部使用的网络会议地址（http:// 或 https://）。"))
    agenda = forms.CharField(label=_("议程"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                             validators=[validate_text])
    speaker = forms.TypedChoiceField(label=_("主讲人（党课）"), required=False, coerce=int, empty_value=None)
    party_group = forms.TypedChoiceField(label=_("党小组（党小组会）"), required=False, coerce=int, empty_value=None)
    joint_organizations = forms.TypedMultipleChoiceField(
        label=_("联合参加的党组织（党课）"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text=_("可选：一同参加本次党课的党组织，其党员都会收到通知，党课计入各党组织的三会一课。"))

    def __init__(self, *args, speakers: list[tuple[int, str]] = (), groups: list[tuple[int, str]] = (),  # type: ignore[assignment]
                 joint: list[tuple[int, str]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["speaker"].choices = [("", "—"), *speakers]
        _group_choices(self, groups)
        if joint:
            self.fields["joint_organizations"].choices = joint
        else:
            del self.fields["joint_organizations"]
        style_widgets(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("结束时间须晚于开始时间。"))
        return data


class RecurringPlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("会议类型"), choices=Kind.choices)
    title = forms.CharField(label=_("会议名称"), max_length=120, validators=[validate_single_line])
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    week_of_month = forms.TypedChoiceField(label=_("每期的第几个"), choices=WEEKS, coerce=int)
    weekday = forms.TypedChoiceField(label=_("星期"), choices=WEEKDAYS, coerce=int)
    start_time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    minutes = forms.IntegerField(label=_("时长（分钟）"), min_value=15, max_value=720, initial=90)
    place = forms.CharField(label=_("地点"), max_length=200, required=False, validators=[validate_single_line])
    party_group = forms.TypedChoiceField(label=_("党小组（党小组会）"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, groups: list[tuple[int, str]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        _group_choices(self, groups)
        style_widgets(self)


def _group_choices(form: forms.Form, groups: list[tuple[int, str]]) -> None:
    """The branch's party groups for 党小组会; no field where the branch has none."""
    if groups:
        form.fields["party_group"].choices = [("", "—"), *groups]
    else:
        del form.fields["party_group"]


class MemberChoiceForm(forms.Form):
    """One member picked by a button (列席: invite or withdraw)."""

    member = forms.IntegerField(min_value=1, max_value=2**62)


class PartyGroupsForm(forms.Form):
    """Each member of the branch and their party group (党小组分组): one select per member."""

    def __init__(self, *args, members: list[tuple[int, str]], groups: list[tuple[int, str]],
                 current: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for pk, name in members:
            field = forms.TypedChoiceField(label=name, required=False, coerce=int, empty_value=None,
                                           choices=[("", _("未分组")), *groups], initial=current.get(pk))
            self.fields[f"group_{pk}"] = field
            self.rows.append(pk)
        style_widgets(self)

    def assignments(self) -> dict[int, int | None]:
        return {pk: self.cleaned_data.get(f"group_{pk}") for pk in self.rows}


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200, validators=[validate_single_line])


class MarkForm(forms.Form):
    member = forms.IntegerField(min_value=1, max_value=2**62)
    status = forms.ChoiceField(label=_("出勤"), choices=Attendance.Status.choices)
    reason = forms.CharField(label=_("说明"), max_length=200, required=False, validators=[validate_single_line])


class LeaveForm(forms.Form):
    reason = forms.CharField(label=_("请假事由"), max_length=200, validators=[validate_single_line])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("refuse", _("不批准"))])


class MinutesForm(forms.Form):
    recorder = forms.TypedChoiceField(label=_("记录人"), required=False, coerce=int, empty_value=None)
    topics = forms.CharField(label=_("议题"), widget=forms.Textarea(attrs={"rows": 4}), validators=[validate_text])
    resolutions = forms.CharField(label=_("决议"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  validators=[validate_text])
    reason = forms.CharField(label=_("修改原因"), max_length=200, required=False, validators=[validate_single_line],
                             help_text=_("会议记录签发后修改时必填，记入修改历史。"))

    def __init__(self, *args, recorders: list[tuple[int, str]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["recorder"].choices = [("", "—"), *recorders]
        style_widgets(self)


class MeetingFileForm(forms.Form):
    """One file for the meeting: a material, or an attachment of the minutes (`part`, hidden)."""

    part = forms.ChoiceField(choices=MeetingFile.Part.choices, widget=forms.HiddenInput)
    file = forms.FileField(label=_("文件"), help_text=_("PDF、Word、Excel、TXT 或 JPG、PNG 图片；带密级标志的文件不得上传。"))
    reason = forms.CharField(label=_("更改原因"), max_length=200, required=False, validators=[validate_single_line],
                             help_text=_("会议记录签发后上传附件时必填，记入会议记录的修改历史。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        part = self.data.get("part") if self.is_bound else self.initial.get("part")
        self.fields["file"].label = _("添加会议记录附件") if part == MeetingFile.Part.MINUTES else _("添加会议材料")
        self.fields["file"].widget.attrs["accept"] = files.ACCEPT
        style_widgets(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > files.max_bytes():  # refused before it is read
            raise forms.ValidationError(files.too_large())
        return upload

class TalkForm(forms.Form):
    """A talk recorded by the branch: the mailbox's (谈心信箱) are recorded by the mailbox itself."""

    member = forms.TypedChoiceField(label=_("谈话对象"), coerce=int)
    talker = forms.TypedChoiceField(label=_("谈话人"), coerce=int)
    on = forms.DateField(label=_("谈话日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    via = forms.ChoiceField(label=_("谈话方式"), choices=[
        c for c in TalkRecord.Via.choices if c[0] != TalkRecord.Via.MAILBOX])
    topic = forms.CharField(label=_("谈话主题"), max_length=120, validators=[validate_single_line])
    summary = forms.CharField(label=_("谈话要点"), widget=forms.Textarea(attrs={"rows": 5}), validators=[validate_text],
                              help_text=_("谈话人的记录，仅本党组织及上级的党务干部可见；党员本人只看到谈话日期和谈话人。"))

    def __init__(self, *args, members: list[tuple[int, str]] = (),  # type: ignore[assignment]
                 talkers: list[tuple[int, str]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—"), *members]
        self.fields["talker"].choices = [("", "—"), *talkers]
        style_widgets(self)


class WithdrawTalkForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200, validators=[validate_single_line])
