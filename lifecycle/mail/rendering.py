"""A letter as an e-mail: `render_email_template(name, context)` gives the subject and the
plain-text and HTML bodies (testable without SMTP); `build_message` makes the MIME message.

The message is UTF-8 throughout; `email.policy.SMTP` encodes the Japanese subject and the
recipient's display name as RFC 2047 encoded-words and keeps CRLF line ends. The
Message-ID is derived from the notice, so a copy that went out twice would be recognisable
as the same message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from lifecycle.documents import templating


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def paragraphs(text: str) -> list[list[str]]:
    """Blank-line separated paragraphs, each a list of lines."""
    return [block.split("\n") for block in text.split("\n\n") if block.strip()]


def render_email_template(name: str, context: dict, templates_dir: str | None = None
                          ) -> RenderedEmail:
    """Letter `name` (templates/letters/<name>.txt) for one holder: subject and bodies."""
    blocks = templating.render_blocks(f"letters/{name}.txt", context, templates_dir)
    signature = templating.render("letters/_signature.txt", context, templates_dir).strip()
    body = f"{context['holder']['name']} 様\n\n{blocks['body']}"
    html = templating.render("mail/message.html", {
        "subject": blocks["subject"], "paragraphs": paragraphs(body),
        "signature": signature.split("\n")}, templates_dir)
    return RenderedEmail(blocks["subject"], f"{body}\n\n--\n{signature}\n", html)


def message_id(notice_id: int, notice_key: str, sender: str) -> str:
    """<notice-42.3f2a…@example.jp>: the same notice always gets the same id."""
    digest = hashlib.sha256(notice_key.encode()).hexdigest()[:16]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<notice-{notice_id}.{digest}@{domain}>"


def build_message(rendered: RenderedEmail, *, sender: str, to_name: str, to_address: str,
                  msg_id: str, date: datetime) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = Address(display_name=to_name, addr_spec=to_address)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = msg_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to notices
    message.set_content(rendered.text, charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message
