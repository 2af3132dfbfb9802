"""uvicorn's HTTP protocol, with TCP_NODELAY on every connection.

A response goes out in two writes (head, then body). Without TCP_NODELAY the body waits
for the client to acknowledge the head, and clients delay that acknowledgement by up to
40 ms: every answer then takes 40 ms. asyncio sets the option only on sockets whose
protocol number is TCP, and the listening socket uvicorn makes for `--workers N` has none
(so its connections had Nagle's algorithm on); uvloop sets it always. This sets it always.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
