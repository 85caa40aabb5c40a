"""Forms of the democratic evaluation of members: parse and show input; the services check and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangwu.core.formtools import style_widgets
from dangwu.core.validators import validate_text


class OpenForm(forms.Form):
    year = forms.IntegerField(label=_("年度"))
    publicity_days = forms.IntegerField(label=_("公示天数"), initial=5, min_value=1, max_value=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class SelfAssessmentForm(forms.Form):
    self_assessment = forms.CharField(
        label=_("个人自评"), max_length=5000, validators=[validate_text], widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("对照党员标准，从政治思想、学习工作、作风纪律、发挥作用等方面总结本年度表现。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)
