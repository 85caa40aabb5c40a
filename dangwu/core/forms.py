from django import forms
from django.utils.translation import gettext_lazy as _

from .roles import Role


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("密码"), max_length=4096, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class OTPForm(forms.Form):
    token = forms.RegexField(label=_("动态口令"), regex=r"^\d{6}$", max_length=6,
                             error_messages={"invalid": _("动态口令为6位数字")},
                             widget=forms.TextInput(attrs={"autofocus": True, "inputmode": "numeric",
                                                           "autocomplete": "one-time-code"}))


class GrantRoleForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"class": "form-control"}))
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices, widget=forms.Select(attrs={"class": "form-select"}))
    org_code = forms.CharField(label=_("党组织代码"), max_length=32,
                               widget=forms.TextInput(attrs={"class": "form-control"}))
