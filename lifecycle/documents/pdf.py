"""HTML to PDF with WeasyPrint, the Japanese font embedded.

WeasyPrint subsets and embeds every font a page uses, so a PDF prints the same on any
machine; the font itself comes from the system (Debian's `fonts-ipaexfont`, which
`.ci/run` installs and the README names). Without a Japanese font the pages would print
empty boxes, so rendering refuses to start instead.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Iterable

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from lifecycle.documents.templating import PACKAGE_TEMPLATES

JAPANESE_FONTS = ("IPAexMincho", "IPAexGothic")


class FontMissingError(RuntimeError):
    pass


@functools.cache
def require_japanese_font() -> str:
    """The family the stylesheet asks for, checked to be installed (fontconfig)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise FontMissingError("fontconfig (fc-list) is missing: install fontconfig and "
                               "fonts-ipaexfont")
    families = subprocess.run([fc_list, ":lang=ja", "family"], capture_output=True,
                              text=True, check=False).stdout
    for family in JAPANESE_FONTS:
        if family in families:
            return family
    raise FontMissingError("no Japanese font: install the IPAex fonts "
                           "(apt-get install fonts-ipaexfont)")


@functools.cache
def _fonts() -> FontConfiguration:
    return FontConfiguration()


def render_pdf(html: str | Iterable[str], *, base_url: str | None = None) -> bytes:
    """One PDF from one HTML document, or from several (their pages in order)."""
    require_japanese_font()
    base = base_url or str(PACKAGE_TEMPLATES)
    sources = [html] if isinstance(html, str) else list(html)
    documents = [HTML(string=source, base_url=base).render(font_config=_fonts())
                 for source in sources]
    if not documents:
        raise ValueError("nothing to render")
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


__all__ = ["FontMissingError", "render_pdf", "require_japanese_font"]
