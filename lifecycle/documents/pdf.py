"""HTML to PDF with WeasyPrint, the Japanese font embedded.

WeasyPrint subsets and embeds every font a page uses, so a PDF prints the same on any
machine; the font itself comes from the system (Debian's `fonts-ipaexfont`, which
`.ci/run` installs and the README names). Without a Japanese font the pages would print
empty boxes, so rendering refuses to start instead.

A template `X.html` is styled by `document.css` and `X.css` from the same templates
directory (the office's own first, then the package's), parsed once per process. A long
batch is laid out in documents of a bounded number of pages and joined with pypdf, so
memory does not grow with the batch.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from lifecycle.documents.templating import PACKAGE_TEMPLATES

# WeasyPrint and pypdf are imported where a page is rendered: importing WeasyPrint takes
# longer than everything else the command line loads, and most commands print no PDF.

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
def _fonts():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _find(name: str, templates_dir: str | None) -> Path:
    for folder in ([Path(templates_dir)] if templates_dir else []) + [PACKAGE_TEMPLATES]:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"stylesheet {name} is in no templates directory")


@functools.cache
def _stylesheet(path: Path, modified: float):  # modified: an edited file is re-read
    from weasyprint import CSS

    return CSS(filename=str(path), font_config=_fonts())


def stylesheets(template: str, templates_dir: str | None = None) -> list:
    """document.css and the template's own stylesheet, parsed once."""
    paths = [_find(name, templates_dir)
             for name in ("document.css", Path(template).with_suffix(".css").name)]
    return [_stylesheet(p, p.stat().st_mtime) for p in paths]


def render_pdf(html: str, *, template: str, templates_dir: str | None = None) -> bytes:
    """One PDF from one HTML document rendered from `template`."""
    from weasyprint import HTML

    require_japanese_font()
    document = HTML(string=html, base_url=templates_dir or str(PACKAGE_TEMPLATES)).render(
        stylesheets=stylesheets(template, templates_dir), font_config=_fonts())
    return document.write_pdf()


def join_pdfs(parts: Iterable[bytes]) -> bytes:
    """The pages of several PDFs, in order, in one."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
