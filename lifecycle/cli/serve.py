"""`lifecycle serve`: the HTTP API and the office console on uvicorn. `register(main)` adds it
to the CLI."""

from __future__ import annotations

import click

from lifecycle.settings import SettingsError

# The event loop. Both serve a request at the same cost (the work is the store read), but
# they let new connections in differently, which is what the latency of 50 clients shows:
# - asyncio accepts every waiting connection at once. With one process that is right;
#   with several sharing the listening socket, the first to wake takes them all (50
#   connections split 50/0, 47/3 and 42/8 in three of eight tries): one busy process,
#   the others idle.
# - uvloop accepts one connection per turn of its loop, so several processes share them
#   out evenly (25/25 to 29/21 in eight tries); but one busy process lets a burst of new
#   connections in slowly (the last of 50 waited 0.5 s for its first answer).
# `auto`: asyncio for one process, uvloop for several.
LOOPS = ("auto", "asyncio", "uvloop")


def event_loop(choice: str, workers: int) -> str:
    if choice != "auto":
        return choice
    return "asyncio" if workers == 1 else "uvloop"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (each with its own connections).")
@click.option("--loop", default="auto", show_default=True, type=click.Choice(LOOPS),
              help="Event loop (auto: asyncio for one worker, uvloop for several).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, loop: str) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs) and the office console
    (/console/, staff from `lifecycle users`) until SIGINT/SIGTERM.

    Tokens come from LIFECYCLE_API_TOKENS (name:role:token,...) and/or the file named by
    LIFECYCLE_API_TOKENS_FILE; roles are reader and clerk.
    """
    import uvicorn  # imported here so the rest of the CLI starts without the web stack

    from lifecycle.http import create_app
    from lifecycle.http.auth import Tokens
    from lifecycle.http.protocol import NoDelayHttpToolsProtocol

    try:
        tokens = Tokens.from_settings(ctx.obj)
        app = create_app(ctx.obj.for_server(), tokens=tokens)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    if not len(tokens):
        click.echo("no API tokens configured (LIFECYCLE_API_TOKENS): of the API only /verify "
                   "and /healthz will answer (the console at /console/ logs staff in)",
                   err=True)
    level = (ctx.obj.log_level or "WARNING").lower()
    # uvicorn's access log has the path and query, never the Authorization header.
    options = {"host": host, "port": port, "log_level": level,
               "loop": event_loop(loop, workers),
               "http": NoDelayHttpToolsProtocol, "access_log": level in ("info", "debug")}
    if workers == 1:
        uvicorn.run(app, **options)
        return
    app.state.services.close()  # checked the configuration; each worker builds its own
    ctx.obj.publish()
    uvicorn.run("lifecycle.http.asgi:app_from_env", factory=True, workers=workers, **options)


def register(main: click.Group) -> None:
    main.add_command(serve)
