"""Forms of transfers and mobile members: parse and show input; the services check and write."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from dangwu.members.forms import MemberForm


def _date(label, required=True):
    return forms.DateField(label=label, required=required,
                           widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"))


def _text(label, max_length, required=True, rows=0, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows, "class": "form-control"}) if rows else forms.TextInput(
        attrs={"class": "form-control"})
    return forms.CharField(label=label, max_length=max_length, required=required, widget=widget, help_text=help_text)


class StartTransferForm(forms.Form):
    """Where the member goes: an organization on the platform (by its code) or one outside it."""

    goes_to = forms.ChoiceField(
        label=_("转往"), initial="internal", widget=forms.RadioSelect,
        choices=[("internal", _("本平台内的党组织")), ("out", _("本平台以外的党组织（打印介绍信）"))])
    to_code = forms.CharField(
        label=_("接收党组织"), max_length=32, required=False,
        help_text=_("输入名称中的字（如：芙蓉区、第二党支部）或党组织代码查找，在列表中选择；也可以直接填写党组织代码"),
        widget=forms.TextInput(attrs={
            "class": "form-control", "autocomplete": "off", "spellcheck": "false", "role": "combobox",
            "aria-autocomplete": "list", "aria-controls": "receiver-results", "aria-expanded": "false",
            "placeholder": _("名称或代码，例如 芙蓉区第一党支部 或 430102001"),
            # htmx: the list of matching organizations (members:transfer_receivers) below the field.
            "hx-get": reverse_lazy("members:transfer_receivers"), "hx-trigger": "input changed delay:250ms",
            "hx-target": "#receiver-results", "hx-sync": "this:replace",
        }))
    to_name = _text(_("平台外接收党组织名称"), 120, required=False)
    to_address = _text(_("平台外接收党组织地址"), 200, required=False)
    reason = _text(_("转接原因"), 200, required=False, help_text=_("如：工作调动、升学、毕业分配、迁居"))

    def clean(self):
        data = super().clean()
        if data.get("goes_to") == "internal":
            data["to_name"] = data["to_address"] = ""
            if not data.get("to_code"):
                self.add_error("to_code", _("请填写接收党组织代码"))
        else:
            data["to_code"] = ""
        return data


class RejectTransferForm(forms.Form):
    reason = _text(_("退回原因"), 1000, rows=3)


class ReceiptForm(forms.Form):
    received_on = _date(_("回执上的接收日期"))


class RegisterIncomingForm(MemberForm):
    """A member transferring in from outside the platform: the record plus the letter's details."""

    from_name = forms.CharField(label=_("转出党组织名称"), max_length=120,
                                widget=forms.TextInput(attrs={"class": "form-control"}))
    external_letter_number = forms.CharField(label=_("介绍信编号"), max_length=40, required=False,
                                             widget=forms.TextInput(attrs={"class": "form-control"}))
    letter_date = forms.DateField(label=_("介绍信开具日期"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date", "class": "form-control"},
                                                         format="%Y-%m-%d"))


class OutflowForm(forms.Form):
    destination = _text(_("流出去向（地点、单位）"), 120)
    host_code = _text(_("流入地党组织代码（在本平台时填写）"), 32, required=False,
                      help_text=_("填写后，流入地党组织可以在平台上看到该党员并记录其参加组织生活"))
    reason = _text(_("外出原因"), 200, help_text=_("如：外出务工、经商、求学"))
    left_on = _date(_("外出日期"))
    expected_return_on = _date(_("预计返回日期"), required=False)
    contact = _text(_("外出期间联系方式"), 120)
    issue_certificate = forms.BooleanField(label=_("同时发放流动党员活动证"), required=False, initial=True,
                                           widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))


class CertificateForm(forms.Form):
    valid_until = _date(_("活动证有效期至"), required=False)


class MobilityRecordForm(forms.Form):
    on = _date(_("日期"))
    note = _text(_("内容"), 300, rows=2)


class ReturnForm(forms.Form):
    returned_on = _date(_("返回日期"))
