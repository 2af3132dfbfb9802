"""Domain errors: each carries a SPEC.md error code and a sentence a clerk can act on.

Messages never contain names, addresses or e-mail addresses (personal data).
"""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused; nothing is recorded."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def invalid(message: str) -> DomainError:
    return DomainError("INVALID_INPUT", message)
