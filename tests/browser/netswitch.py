"""A loopback TCP relay in front of the live server that a test can cut: the till's "network".

The cashier offline test used to rely on Chromium's offline emulation alone
(``context.set_offline``) and, now and then on a loaded machine, found two orders on the server
where one was expected while the till was "offline". Two explanations fit: the emulation lets a
request through (it is applied per document, and the page reloads while offline), or the till
sent a sale it then labelled offline. The relay separates them: offline means no byte reaches the
server, and every request line tried while cut is recorded (``refused``) and written to
``test-artifacts/cashier-offline-attempts.txt``, so a leak shows up as a refused sale and a
mislabelled sale as an order on the server. See docs/decisions.md ("Offline test network").
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass
class NetSwitch:
    target_port: int
    port: int = 0
    online: bool = True
    refused: list[str] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _pipes: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Offline: open connections are dropped, new ones are read and refused."""
        self.online = False
        for writer in list(self._writers):
            writer.close()
        for task in list(self._pipes):
            task.cancel()

    def restore(self) -> None:
        self.online = True

    async def close(self) -> None:
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.online:
            with contextlib.suppress(Exception):
                head = await asyncio.wait_for(reader.readline(), timeout=2)
                self.refused.append(head.decode("latin-1").strip())
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        tasks = [asyncio.ensure_future(self._pump(reader, up_writer)),
                 asyncio.ensure_future(self._pump(up_reader, writer))]
        self._pipes.update(tasks)
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self._pipes.difference_update(tasks)
            for w in (writer, up_writer):
                self._writers.discard(w)
                w.close()

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while self.online and (chunk := await source.read(65536)):
            sink.write(chunk)
            await sink.drain()
        sink.close()
