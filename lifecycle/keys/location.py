"""Where the key directory is: the `key_dir` setting (LIFECYCLE_KEY_DIR), or `keys/` beside
the SQLite database file (in the working directory for PostgreSQL). Never inside the
database: whoever can write to the database must not be able to sign for the body."""

from __future__ import annotations

from pathlib import Path


def key_directory(settings) -> Path:
    """`settings`: lifecycle.settings.Settings."""
    if settings.key_dir:
        return Path(settings.key_dir)
    url = settings.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "keys"
    return Path("keys").resolve()
