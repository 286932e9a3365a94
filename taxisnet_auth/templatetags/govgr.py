"""Form widgets in the markup of the gov.gr design system, for the account pages and the sandbox."""

from django import forms, template

register = template.Library()


def _widget_class(widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "govgr-checkboxes__input"
    if isinstance(widget, forms.Select):
        return "govgr-select"
    if isinstance(widget, forms.Textarea):
        return "govgr-textarea"
    return "govgr-input"


@register.filter
def govgr_widget(field):
    """The field's widget with gov.gr classes, tied to its hint and its error for screen readers
    (the ids are those of ``taxisnet_auth/_field.html``)."""
    css = _widget_class(field.field.widget)
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_hint")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
        if css != "govgr-checkboxes__input":
            css += " govgr-error-input"
    attrs = {"class": css}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)
