"""Forms of the secret ballot: parse and show input; the services check and write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangwu.core.formtools import style_widgets
from dangwu.core.validators import validate_single_line, validate_text

from .models import ElectionKind, Round


def _lines(text: str) -> list[str]:
    """Names one a line (or separated by 、，, ;), blanks left out."""
    return [n.strip() for n in re.split(r"[\n\r、，,;；]+", text or "") if n.strip()]


class ElectionForm(forms.Form):
    title = forms.CharField(label=_("选举名称"), max_length=120, validators=[validate_single_line])
    kind = forms.ChoiceField(label=_("选举类型"), choices=ElectionKind.choices)
    seats = forms.IntegerField(label=_("应选人数"), min_value=1, max_value=99)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class CandidatesForm(forms.Form):
    names = forms.CharField(label=_("候选人名单"), widget=forms.Textarea(attrs={"rows": 6}), validators=[validate_text],
                            help_text=_("每行一名，按选票上的顺序（姓氏笔画）排列。差额选举的候选人数须不少于应选人数的 120%。"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_names(self) -> list[str]:
        return _lines(self.cleaned_data["names"])


class OpenRoundForm(forms.Form):
    mode = forms.ChoiceField(label=_("投票方式"), choices=Round.Mode.choices, widget=forms.RadioSelect,
                             initial=Round.Mode.ONLINE)
    present = forms.IntegerField(label=_("实到会有选举权的党员"), min_value=0,
                                 help_text=_("会议签到清点的人数；须超过应到人数的五分之四，选举方为有效。"))
    scrutineers = forms.TypedMultipleChoiceField(label=_("监票人"), coerce=int, widget=forms.CheckboxSelectMultiple,
                                                 help_text=_("由党员大会通过的监票人，候选人不得担任。"))

    def __init__(self, *args: Any, scrutineers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scrutineers"].choices = scrutineers
        style_widgets(self)


class VoteForm(forms.Form):
    """The ballot: a checkbox a candidate (赞成), and the names written in (另选他人)."""

    names = forms.MultipleChoiceField(label=_("候选人"), required=False, widget=forms.CheckboxSelectMultiple)
    write_ins = forms.CharField(label=_("另选他人"), required=False, max_length=500,
                                widget=forms.Textarea(attrs={"rows": 2}), validators=[validate_text],
                                help_text=_("可不填。每行一个姓名；另选的人也计入所选人数。"))

    def __init__(self, *args: Any, candidates: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["names"].choices = [(n, n) for n in candidates]
        style_widgets(self)

    def ballot(self) -> list[str]:
        """The names marked "for", the written-in names after the list's (a name twice counts once)."""
        return list(dict.fromkeys([*self.cleaned_data["names"], *_lines(self.cleaned_data["write_ins"])]))


class PaperCountForm(forms.Form):
    """The scrutineers' count of a paper round."""

    returned = forms.IntegerField(label=_("收回选票"), min_value=0)
    void = forms.IntegerField(label=_("无效票"), min_value=0, initial=0,
                              help_text=_("所选人数多于应选人数的选票为无效票。"))
    blank = forms.IntegerField(label=_("空白票"), min_value=0, initial=0)
    write_ins = forms.CharField(label=_("另选他人得票"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                validators=[validate_text], help_text=_("每行“姓名 票数”，如：王小明 3。"))

    def __init__(self, *args: Any, candidates: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        for i, name in enumerate(candidates):
            self.fields[f"votes_{i}"] = forms.IntegerField(label=_("%(name)s 得票") % {"name": name}, min_value=0,
                                                           initial=0)
        style_widgets(self)

    def clean_write_ins(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in (self.cleaned_data["write_ins"] or "").splitlines():
            if not line.strip():
                continue
            match = re.fullmatch(r"\s*(\S.*?)\s+(\d{1,6})\s*", line)
            if match is None:
                raise forms.ValidationError(_("每行须为“姓名 票数”：%(line)s") % {"line": line.strip()[:30]})
            out[match.group(1)] = int(match.group(2))
        return out

    def votes(self) -> dict[str, int]:
        data = self.cleaned_data
        return {**{name: data[f"votes_{i}"] for i, name in enumerate(self.candidates)}, **data["write_ins"]}
