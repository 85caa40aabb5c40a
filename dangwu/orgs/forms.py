from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Organization, Post
from .services import EDITABLE_FIELDS


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["code", *EDITABLE_FIELDS]
        widgets = {
            "founded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "dissolved_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class AppointForm(forms.Form):
    member = forms.ModelChoiceField(label=_("党员"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    post = forms.ChoiceField(label=_("职务"), choices=Post.choices, widget=forms.Select(attrs={"class": "form-select"}))
    term_start = forms.DateField(label=_("任期开始"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    term_end = forms.DateField(label=_("任期届满"), required=False, help_text=_("留空按条例计算：3年（村、社区5年）"),
                               widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))

    def __init__(self, *args, members_qs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members_qs
