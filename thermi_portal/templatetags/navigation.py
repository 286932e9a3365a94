"""``{% citizen_nav %}``: the links of the citizen's menu, the current page's marked.

Every citizen page carries the menu, and written as template tags its seven links cost as much
as a ledger of debts (a ``{% url %}``, a ``{% translate %}`` and a comparison each, about 40 µs a
link): the menu is most of ``base.html``'s rendering. Made here, it costs a few µs a link.
"""

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from debts.html import escape_text

register = template.Library()

CITIZEN_LINKS = (
    ("citizen:overview", _("Οφειλές")),
    ("citizen:card", _("Καρτέλα οφειλέτη")),
    ("citizen:notices", _("Ειδοποιητήρια")),
    ("citizen:notice_new", _("Νέο ειδοποιητήριο")),
    ("citizen:paravola", _("Παράβολα")),
    ("receipts:certificates", _("Βεβαίωση ΤΑΠ")),
    ("payments:history", _("Πληρωμές")),
)


@register.simple_tag(takes_context=True)
def citizen_nav(context) -> str:
    """The menu's items for a citizen, the page being shown marked ``aria-current``."""
    match = getattr(context.get("request"), "resolver_match", None)
    current = match.view_name if match else None
    items = []
    for name, label in CITIZEN_LINKS:
        marked = ' aria-current="page"' if name == current else ""
        href = escape_text(reverse(name))
        items.append(
            f'<li><a class="govgr-link" href="{href}"{marked}>{escape_text(label)}</a></li>'
        )
    return mark_safe("\n".join(items))  # noqa: S308 (each text escaped)
