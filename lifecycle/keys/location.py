"""Where the key directory is: LIFECYCLE_KEY_DIR, or `keys/` beside the SQLite database file
(beside the working directory for PostgreSQL). Never inside the database: whoever can write
to the database must not be able to sign for the body."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

KEY_DIR_ENV = "LIFECYCLE_KEY_DIR"


def key_directory(settings, environ: Mapping[str, str] | None = None) -> Path:
    """`settings`: lifecycle.settings.Settings (its database URL places the default)."""
    env = os.environ if environ is None else environ
    if env.get(KEY_DIR_ENV):
        return Path(env[KEY_DIR_ENV])
    url = settings.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "keys"
    return Path("keys").resolve()
