from django import template

register = template.Library()


@register.filter
def invalid(field):
    """Render a bound field's widget with Bootstrap's is-invalid class added."""
    css = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{css} is-invalid".strip()})


@register.simple_tag(takes_context=True)
def render_section(context, item):
    """Render a registered card or section (`{"card": item, "context": {...}}` as the page's view
    collected it): its template with the page's context plus the context its app answered."""
    from django.template.loader import get_template

    with context.push(**item["context"]):
        return get_template(item["card"].template).render(context.flatten(), context.get("request"))
