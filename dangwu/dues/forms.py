"""Dues forms: parse and show input; the services check and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangwu.core.validators import validate_single_line

from .models import Category, DuesUse, Payment, Reduction


def _style(form: forms.BaseForm) -> None:
    for f in form.fields.values():
        widget = f.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            continue
        widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class MonthField(forms.DateField):
    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]


class DeclarationForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=1900, max_value=2100)
    category = forms.ChoiceField(label=_("党费类别"), choices=Category.choices)
    base = forms.DecimalField(label=_("月收入基数（元）"), required=False, max_digits=12, decimal_places=2,
                              help_text=_("在岗职工：每月税后工资收入；离退休人员：每月实际领取的离退休费。其他类别可不填。"))
    farmer_amount = forms.DecimalField(label=_("农牧渔民月交标准（元）"), required=False, max_digits=4, decimal_places=2,
                                       help_text=_("0.20元至1.00元，由党支部确定；不填按0.20元。"))
    reason = forms.CharField(label=_("调整原因"), required=False, max_length=100,
                             help_text=_("本年度已申报、年中调整时必填。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class DeclarationImportForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=1900, max_value=2100)
    file = forms.FileField(label=_("申报表文件（.xlsx 或 .csv）"))
    reason = forms.CharField(label=_("调整原因"), required=False, max_length=100, validators=[validate_single_line],
                             help_text=_("文件中有本年度已申报的党员且金额有变化时必填。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class PaymentForm(forms.Form):
    months = forms.MultipleChoiceField(label=_("交纳月份"), required=False, widget=forms.CheckboxSelectMultiple)
    method = forms.ChoiceField(label=_("缴纳方式"), choices=Payment.Method.choices, initial=Payment.Method.CASH)
    reference = forms.CharField(label=_("交易流水号"), required=False, max_length=64,
                                help_text=_("银行转账、网上缴纳必填。"))
    paid_on = forms.DateField(label=_("缴纳日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    voluntary_amount = forms.DecimalField(label=_("自愿多交（元）"), required=False, min_value=0, max_digits=12,
                                          decimal_places=2,
                                          help_text=_("一次自愿多交1000元以上的，全额上缴中央。"))
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, month_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = month_choices
        _style(self)


class ReversalForm(forms.Form):
    """The confirmation of a reversal (冲正): the reason is required (the service checks it again)."""

    reason = forms.CharField(label=_("冲正原因"), error_messages={"required": _("请填写冲正原因")},
                             widget=forms.Textarea(attrs={"rows": 3, "maxlength": 200}),
                             help_text=_("例如：重复登记、金额或月份登记错误。最多200个字。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class ReductionForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Reduction.Kind.choices)
    monthly_amount = forms.DecimalField(label=_("减交后每月应交（元）"), required=False, max_digits=10, decimal_places=2,
                                        help_text=_("免交时不填。"))
    start_month = MonthField(label=_("起始月份"))
    end_month = MonthField(label=_("截止月份"))
    reason = forms.CharField(label=_("申请理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("reject", _("不批准"))])
    note = forms.CharField(label=_("审批意见"), required=False, max_length=1000)


class UseForm(forms.Form):
    used_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    purpose = forms.ChoiceField(label=_("用途"), choices=DuesUse.Purpose.choices)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=12, decimal_places=2)
    description = forms.CharField(label=_("说明"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class AssessForm(forms.Form):
    month = MonthField(label=_("月份"))


class HostLookupForm(forms.Form):
    id_number = forms.CharField(label=_("流出党员的公民身份号码"), max_length=18)
