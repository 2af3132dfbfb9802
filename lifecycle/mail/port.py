"""The one way out for e-mail: `SendEmail`, with one adapter (lifecycle.mail.smtp) and the
failures a relay must tell apart."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class TemporaryFailure(Exception):
    """The server did not take the message and may later (4xx, connection lost): retry."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx other than the recipient)."""


class RecipientRefused(PermanentFailure):
    """The server refused the recipient's address: the notice bounced."""


class SendEmail(Protocol):
    def __call__(self, message: EmailMessage) -> None:
        """Hand one message to the server; return once it has accepted it."""
