"""Forms of transfer proofs (转账凭证): parse and show input; `proof_services` checks and writes.

The fields are optional here so that the service answers every missing or wrong value at once,
each beside its field, in its own words."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import proof_files


class ProofForm(forms.Form):
    months = forms.MultipleChoiceField(label=_("交纳月份"), required=False, widget=forms.CheckboxSelectMultiple)
    amount = forms.DecimalField(label=_("转账金额（元）"), required=False, max_digits=12, decimal_places=2,
                                help_text=_("应与所选月份应交合计一致。"),
                                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}))
    reference = forms.CharField(label=_("交易流水号"), required=False, max_length=64,
                                help_text=_("银行回单或手机银行转账记录上的流水号、交易号。"))
    transferred_on = forms.DateField(label=_("转账日期"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    file = forms.FileField(label=_("转账凭证"), required=False,
                           help_text=_("银行回单的照片或截图（JPG、PNG），或PDF文件，不超过10 MB。"),
                           widget=forms.ClearableFileInput(attrs={"accept": proof_files.ACCEPT}))

    def __init__(self, *args, month_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = month_choices
        for name, field in self.fields.items():
            if name != "months":
                field.widget.attrs.setdefault("class", "form-control")


class RejectProofForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "maxlength": 200, "class": "form-control"}),
                             help_text=_("党员会在首页看到退回原因，例如：未收到这笔转账、回单看不清、月份不对。"))
