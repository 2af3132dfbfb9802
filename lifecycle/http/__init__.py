"""The HTTP side: the JSON API (and, beside it, the office console).

`create_app(settings)` builds it; `lifecycle serve` runs it.
"""

from lifecycle.http.app import create_app

__all__ = ["create_app"]
