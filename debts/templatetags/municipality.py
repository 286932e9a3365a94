"""``{% municipality_name %}``: the municipality's name where no context processor ran.

Django renders ``500.html`` with an empty context (no request, so no ``MUNICIPALITY_NAME``), and
the page must still say whose portal it is; the name comes from the settings, not the database.
"""

from django import template

from debts.municipality import municipality_name as name_in_reader_language

register = template.Library()


@register.simple_tag
def municipality_name() -> str:
    return name_in_reader_language()
