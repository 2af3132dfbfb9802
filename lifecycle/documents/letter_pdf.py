"""Letters on paper: the notice's letter template laid out as an A4 letter (addressee,
date, sender, subject, body), one page per notice, in one PDF."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Engine

from lifecycle.documents import letters, pdf, templating

TEMPLATE = "letter.html"


def letter_page(conn, notice: letters.Notice, *, today: date, body_name: str,
                templates_dir: str | None = None) -> dict:
    context = letters.context(conn, notice, today=today, body_name=body_name)
    blocks = templating.render_blocks(f"letters/{notice.kind}.txt", context, templates_dir)
    # The e-mail's 【qualification】 tag helps an inbox; on paper the title stands alone.
    return {**context, "subject": re.sub(r"^【[^】]*】", "", blocks["subject"]),
            "paragraphs": [p.split("\n") for p in blocks["body"].split("\n\n") if p.strip()]}


def render_letters(engine: Engine, rows, *, today: date, body_name: str,
                   templates_dir: str | None = None) -> bytes:
    with engine.connect() as conn:
        pages = [letter_page(conn, letters.Notice.from_row(row), today=today,
                             body_name=body_name, templates_dir=templates_dir)
                 for row in rows]
    html = templating.render(TEMPLATE, {"letters": pages}, templates_dir)
    return pdf.render_pdf(html, template=TEMPLATE, templates_dir=templates_dir)
