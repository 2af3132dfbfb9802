"""The `system` role: statuses, numbers and dates for downstream systems, no personal data.

Japan's personal-information law expects access limited to its purpose; a system that only
needs to know who is certified until when gets no name, kana, e-mail or payer name. Every
JSON answer to a `system` token passes through `redacting`, hot paths included, so no
route can forget it: each personal field keeps its key (the documented shape) with null.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Send

PERSONAL = frozenset({"name", "name_kana", "email", "payer_name", "address"})


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: None if k in PERSONAL else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def redacting(send: Send) -> Send:
    """`send` for a JSON answer without its personal fields (body buffered, then sent)."""
    start: dict = {}
    chunks: list[bytes] = []

    async def sending(message: dict) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if any(k.lower() == b"content-type" and v.startswith(b"application/json")
               for k, v in headers) and body:
            body = json.dumps(redact(json.loads(body)), ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")
        headers.append((b"content-length", str(len(body)).encode("latin-1")))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return sending
