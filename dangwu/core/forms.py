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


class AuditFilterForm(forms.Form):
    """The audit log's filters: what, who, where (an organization and its subtree), when.

    The organization is a list when the auditor's scope is small enough to list, else its code."""

    ORG_LIST_LIMIT = 300

    action = forms.ChoiceField(label=_("操作"), required=False,
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    person = forms.CharField(label=_("操作人"), required=False, max_length=50,
                             widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                           "placeholder": _("姓名或账号")}))
    org = forms.ChoiceField(label=_("党组织（含下级）"), required=False,
                            widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    org_code = forms.CharField(label=_("党组织代码（含下级）"), required=False, max_length=32,
                               widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))
    since = forms.DateField(label=_("起始日期"), required=False,
                            widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}))
    until = forms.DateField(label=_("截止日期"), required=False,
                            widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}))

    def __init__(self, *args, action_groups=(), organizations=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("全部操作")), *[(group, list(items)) for group, items in action_groups]]
        if organizations is None:
            del self.fields["org"]
        else:
            base = min((o.depth for o in organizations), default=1)
            self.fields["org"].choices = [("", _("全部党组织"))] + [
                (str(o.pk), "\u3000" * (o.depth - base) + o.name) for o in organizations]
            del self.fields["org_code"]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("截止日期不能早于起始日期"))
        return data
