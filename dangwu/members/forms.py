"""Member forms: parse and show input; the service does the checking and the writing."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import Member, Standing
from .rules import EDITABLE_FIELDS

DATE_FIELDS = {"birth_date", "work_started_on", "applied_on", "joined_on", "converted_on",
               "lost_contact_since", "dues_paid_until"}


class MemberForm(forms.ModelForm):
    id_number = forms.CharField(label=_("公民身份号码"), max_length=18, min_length=1,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    class Meta:
        model = Member
        fields = EDITABLE_FIELDS
        widgets = {name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d") for name in DATE_FIELDS}

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # Left empty, the stored number is kept; it is never sent back to the browser.
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("不修改请留空（当前：%(m)s）") % {
                "m": self.instance.id_number_masked
            }
            self.fields["phone"].required = False
            self.fields["phone"].help_text = _("不修改请留空（当前：%(m)s）") % {
                "m": self.instance.phone_masked or "—"
            }
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
        self.editing = editing

    def clean(self):
        """The record's own rules (`rules.record_errors`, as the API and the roster import), beside
        each field that passed its own checks; the service checks again before it writes."""
        data = super().clean()
        values = {name: data[name] for name in EDITABLE_FIELDS if name in data}
        if data.get("id_number"):
            values["id_number"] = data["id_number"]
        elif self.editing and "id_number" not in self.errors and self.instance.pk:
            values["id_number"] = self.instance.id_number  # kept: the record must still agree with it
        if data.get("phone"):
            values["phone"] = data["phone"]
        for field, messages in rules.record_errors(values, today=timezone.localdate()).items():
            if field in self.fields and field not in self.errors:
                for message in messages:
                    self.add_error(field, message)
        return data


class StandingChangeForm(forms.Form):
    new_standing = forms.ChoiceField(label=_("新的党籍状态"), choices=Standing.choices,
                                     widget=forms.Select(attrs={"class": "form-select"}))
    effective_on = forms.DateField(label=_("生效日期"),
                                   widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    reason = forms.CharField(label=_("原因"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))
    document_number = forms.CharField(label=_("决定文号"), max_length=60, required=False,
                                      widget=forms.TextInput(attrs={"class": "form-control"}))


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("姓名 / 拼音 / 首字母 / 身份证号"), required=False, max_length=50)
    member_type = forms.ChoiceField(label=_("党员类型"), required=False,
                                    choices=[("", _("全部类型"))] + list(Member._meta.get_field("member_type").choices))
    standing = forms.ChoiceField(label=_("党籍状态"), required=False,
                                 choices=[("", _("全部状态"))] + list(Standing.choices))
    org = forms.IntegerField(label=_("所在党组织"), required=False, widget=forms.HiddenInput)


class RosterImportForm(forms.Form):
    """Upload of a roster: the organization (or the file's own 党组织代码 column), the file, whether
    existing members are updated. The button pressed says whether it is only checked."""

    organization = forms.ChoiceField(label=_("导入到党组织"), required=False,
                                     widget=forms.Select(attrs={"class": "form-select"}))
    org_code = forms.CharField(label=_("导入到党组织（党组织代码）"), required=False, max_length=32,
                               widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}))
    file = forms.FileField(label=_("花名册文件（.xlsx 或 .csv）"),
                           widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}))
    update_existing = forms.BooleanField(label=_("更新已有党员"), required=False,
                                         widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, organizations=None, **kwargs):
        """`organizations`: the caller's organizations for a drop-down, or None (too many: type a code)."""
        super().__init__(*args, **kwargs)
        self.organizations = organizations
        if organizations is None:
            del self.fields["organization"]
            self.fields["org_code"].help_text = _("留空则按文件中的“党组织代码”或“所在党组织”列确定每名党员的党组织")
        else:
            del self.fields["org_code"]
            self.fields["organization"].choices = [("", _("按文件中的“党组织代码”或“所在党组织”列"))] + [
                (str(o.pk), f"{o.name}（{o.code}）") for o in organizations]
            self.fields["organization"].help_text = _("选择党组织后，文件中的党员都导入到该组织（或其下级组织）")
