"""One transparent retry of a read whose database connection turned out to be dead.

After the database restarts, every connection pooled before it is dead, and the first
request to use each one fails with "server closed the connection". A GET or HEAD writes
nothing, so it is safe to run again: when its answer is a 503 for a lost connection
(`mark_retry` set on the scope by the error handlers), that answer is held back, the
databases are probed and the pools' dead connections replaced
(lifecycle.http.availability), and the request runs once more; the held answer is sent only
if the database still does not answer. A write is never run twice: its outcome is unknown,
and POST /commands says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi.concurrency import run_in_threadpool
from starlette.types import Message, Receive, Scope, Send

RETRY = "lifecycle.retry_read"
READS = ("GET", "HEAD")

Handle = Callable[[Scope, Receive, Send], Awaitable[None]]


def mark_retry(scope: Scope) -> None:
    """Called where a read met a lost connection: worth running once more."""
    if scope.get("method") in READS and RETRY not in scope:
        scope[RETRY] = True


async def with_one_retry(handle: Handle, recover: Callable[[], bool], scope: Scope,
                         receive: Receive, send: Send) -> None:
    held: list[Message] = []

    async def hold_a_retryable_answer(message: Message) -> None:
        if held or (message["type"] == "http.response.start" and message["status"] == 503
                    and scope.get(RETRY) is True):
            held.append(message)
        else:
            await send(message)

    await handle(scope, receive, hold_a_retryable_answer)
    if not held:
        return
    scope[RETRY] = False  # once only
    if await run_in_threadpool(recover):
        await handle(scope, receive, send)
        return
    for message in held:
        await send(message)
