"""Bearer tokens and roles: `reader` may GET, `clerk` may also POST /commands.

Configured as `name:role:token` entries, comma-separated in LIFECYCLE_API_TOKENS and/or
one per line (commas too; `#` starts a comment) in the file named by
LIFECYCLE_API_TOKENS_FILE. A token is never logged nor echoed in a message: a bad entry
is named by its position and name. Tokens are compared as SHA-256 digests with
`hmac.compare_digest` against every configured token (no early exit), so neither the
content nor the length of a configured token shows in the response time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lifecycle.http.errors import ApiError
from lifecycle.settings import Settings, SettingsError

TOKENS_FILE_ENV = "LIFECYCLE_API_TOKENS_FILE"
ROLES = ("reader", "clerk")
MIN_TOKEN_LENGTH = 16
NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Principal:
    """Who called: the token's name (recorded as the actor `api:<name>`) and role."""

    name: str
    role: str

    @property
    def actor(self) -> str:
        return f"api:{self.name}"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class Tokens:
    def __init__(self, entries: list[tuple[str, str, str]]):
        self._entries = [(_digest(token), Principal(name, role)) for name, role, token in entries]

    def __len__(self) -> int:
        return len(self._entries)

    def identify(self, presented: str) -> Principal | None:
        digest = _digest(presented)
        found = None
        for known, principal in self._entries:
            if hmac.compare_digest(digest, known) and found is None:
                found = principal
        return found

    @classmethod
    def from_settings(cls, settings: Settings) -> Tokens:
        texts = [("LIFECYCLE_API_TOKENS", settings.api_tokens)]
        path = settings.api_tokens_file
        if path:
            try:
                texts.append((path, Path(path).read_text(encoding="utf-8")))
            except OSError as error:
                raise SettingsError(f"{TOKENS_FILE_ENV}: cannot read {path}: "
                                    f"{error.strerror}") from None
        entries = [entry for source, text in texts for entry in parse_entries(text, source)]
        _check_unique(entries)
        return cls(entries)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Tokens:
        return cls.from_settings(Settings.from_env(environ))


def parse_entries(text: str, source: str) -> list[tuple[str, str, str]]:
    """`name:role:token` entries separated by commas or new lines; `#` comments."""
    entries = []
    items = [item.strip() for line in text.splitlines() for item in line.split("#")[0].split(",")]
    for position, item in enumerate((i for i in items if i), start=1):
        name, _, rest = item.partition(":")
        role, _, token = rest.partition(":")
        where = f"{source}, entry {position}"
        if not NAME.match(name):
            raise SettingsError(f"{where}: expected name:role:token with a name of letters, "
                                "digits, '.', '_' or '-'")
        if role not in ROLES:
            raise SettingsError(f"{where} ({name}): role must be one of {', '.join(ROLES)}")
        if len(token) < MIN_TOKEN_LENGTH:
            raise SettingsError(f"{where} ({name}): the token must have at least "
                                f"{MIN_TOKEN_LENGTH} characters")
        entries.append((name, role, token))
    return entries


def _check_unique(entries: list[tuple[str, str, str]]) -> None:
    names, digests = set(), set()
    for name, _role, token in entries:
        if name in names:
            raise SettingsError(f"API token name {name!r} is configured twice")
        if _digest(token) in digests:
            raise SettingsError(f"API token of {name!r} is the same as another one's")
        names.add(name)
        digests.add(_digest(token))


# auto_error=False: a missing token must answer our 401 body, not FastAPI's 403.
bearer = HTTPBearer(auto_error=False, description="A token from LIFECYCLE_API_TOKENS.")


# The dependencies are `async` on purpose: they only hash and compare, and a sync
# dependency would cost a hop to the thread pool on every request.
async def caller(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    if credentials is None:
        raise ApiError("UNAUTHORIZED", "an Authorization: Bearer token is required",
                       CHALLENGE)
    principal = request.app.state.tokens.identify(credentials.credentials)
    if principal is None:
        raise ApiError("UNAUTHORIZED", "the bearer token is not known", CHALLENGE)
    return principal


async def reader(principal: Annotated[Principal, Depends(caller)]) -> Principal:
    return principal  # both roles may read


async def clerk(principal: Annotated[Principal, Depends(caller)]) -> Principal:
    if principal.role != "clerk":
        raise ApiError("FORBIDDEN", f"token {principal.name!r} has the role "
                       f"{principal.role!r}; posting commands needs 'clerk'")
    return principal
