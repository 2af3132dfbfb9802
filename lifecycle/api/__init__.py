"""The HTTP API (issue 6): `create_app(settings)` builds it, `lifecycle serve` runs it."""

from lifecycle.api.app import create_app

__all__ = ["create_app"]
