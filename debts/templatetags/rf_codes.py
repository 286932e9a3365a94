"""``rf_groups``: an RF code as people read it, in groups of four that never break inside.

A browser wraps a long code anywhere, leaving a lone final digit or a group split over two lines.
Each group is its own ``portal-rf-group`` (``white-space: nowrap``) and the groups are joined by
ordinary spaces, so the code wraps only between groups, copies as ``RF75 9046 …`` (which banks
accept as typed) and reads as one run of text. A short last group stays on the line of the one
before it (``portal-rf-tail``), so no digit is left alone on a line.
"""

from django import template
from django.utils.safestring import mark_safe

from debts.html import escape_text
from debts.rf import compact_rf

register = template.Library()

GROUP = 4


@register.filter
def rf_groups(value: str | None) -> str:
    """``value`` (compact or already spaced) as group spans; empty when there is no code."""
    if not value:
        return ""
    code = compact_rf(value)
    spans = [
        f'<span class="portal-rf-group">{escape_text(code[start : start + GROUP])}</span>'
        for start in range(0, len(code), GROUP)
    ]
    if len(spans) > 1 and len(code) % GROUP:
        spans[-2:] = [f'<span class="portal-rf-tail">{spans[-2]} {spans[-1]}</span>']
    return mark_safe(" ".join(spans))  # noqa: S308 (each group escaped)
