"""WeasyPrint with what costs most built once per process: the fonts and each stylesheet.

Setting up the fonts and parsing a stylesheet cost several times a render (docs/PERFORMANCE.md:
about 200 ms a PDF against 27 ms). Every PDF of the portal (the notice here, the receipt in
``receipts``) renders through ``render_pdf``: one ``FontConfiguration`` a process, and so one lock,
since WeasyPrint does not promise that threads may share one at once (rendering is Python work
under the GIL anyway, so threads taking turns lose little).
"""

import threading
from functools import cache

import weasyprint
from django.contrib.staticfiles import finders
from weasyprint.text.fonts import FontConfiguration

_render_lock = threading.Lock()


@cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@cache
def _stylesheet(path: str) -> weasyprint.CSS:
    return weasyprint.CSS(filename=finders.find(path), font_config=_font_config())


def render_pdf(html: str, stylesheet: str) -> bytes:
    """``html`` as a tagged PDF (a screen reader gets the headings and tables in reading order),
    styled by the static file ``stylesheet``."""
    with _render_lock:
        return weasyprint.HTML(string=html).write_pdf(
            stylesheets=[_stylesheet(stylesheet)], font_config=_font_config(), pdf_tags=True
        )
