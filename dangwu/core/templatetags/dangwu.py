from django import template

register = template.Library()


@register.filter
def invalid(field):
    """Render a bound field's widget with Bootstrap's is-invalid class added."""
    css = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{css} is-invalid".strip()})
