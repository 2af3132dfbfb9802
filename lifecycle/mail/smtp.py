"""The SMTP adapter of `SendEmail`: one connection per relay run (opened on first use,
reopened after the server drops it), STARTTLS or implicit TLS, login when a user is set.

Failures are sorted for the relay: a 4xx reply or a lost connection is temporary, a 5xx
refusal of the recipient is a bounce, any other 5xx is permanent. Server replies often
quote the recipient's address, so the text kept is scrubbed of addresses.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage

from lifecycle.mail.port import PermanentFailure, RecipientRefused, TemporaryFailure
from lifecycle.settings import SmtpSettings

ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")


def scrub(text: str) -> str:
    """A server's reply without any e-mail address in it."""
    return ADDRESS.sub("<address>", text)[:500]


def _reply(code: int, text: bytes | str) -> str:
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return scrub(f"{code} {raw}")


class SmtpMailer:
    def __init__(self, settings: SmtpSettings):
        if not settings.host:
            raise ValueError("no SMTP server: set LIFECYCLE_SMTP_HOST")
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "tls":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password or "")
        except smtplib.SMTPAuthenticationError as error:
            raise PermanentFailure(_reply(error.smtp_code, error.smtp_error)) from None
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(scrub(f"cannot connect: {type(error).__name__}: "
                                         f"{error}")) from None
        return smtp

    def __call__(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            failure = RecipientRefused if code >= 500 else TemporaryFailure
            raise failure(_reply(code, text)) from None
        except smtplib.SMTPResponseException as error:
            if error.smtp_code < 500:
                self.close()  # e.g. 421: the server is closing the session
                raise TemporaryFailure(_reply(error.smtp_code, error.smtp_error)) from None
            raise PermanentFailure(_reply(error.smtp_code, error.smtp_error)) from None
        except (smtplib.SMTPException, OSError) as error:
            self._smtp = None  # the connection is gone: the next message reconnects
            raise TemporaryFailure(scrub(f"{type(error).__name__}: {error}")) from None
        if refused:  # one recipient per message: refused means that one
            code, text = next(iter(refused.values()))
            raise RecipientRefused(_reply(code, text))
