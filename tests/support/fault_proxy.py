"""A loopback TCP proxy that can be switched between passing, refusing and hanging.

    with fault_proxy("127.0.0.1", 5432) as proxy:     # listens on proxy.port
        ...point the client at 127.0.0.1:proxy.port...
        proxy.refuse()   # new connections are reset at once, open ones are cut
        proxy.hang()     # new connections are accepted, then nothing is ever answered
        proxy.pass_through()

Switching cuts the connections open so far, as a restarted server would, so a
client's pooled connections break too. Every thread is a daemon and every
wait is bounded.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

Mode = Literal["pass", "refuse", "hang"]
CHUNK = 65536
HANG_LIMIT_SECONDS = 60.0  # a hung connection is closed after this long at the latest


def _reset(sock: socket.socket) -> None:
    """Drop the connection at once (shutdown also wakes a thread blocked reading it)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode: Mode = "pass"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    # --- switching -------------------------------------------------------------------
    def pass_through(self) -> None:
        self._switch("pass")

    def refuse(self) -> None:
        self._switch("refuse")

    def hang(self) -> None:
        self._switch("hang")

    def _switch(self, mode: Mode) -> None:
        self.mode = mode
        self.cut()

    @property
    def open_connections(self) -> int:
        """Client and upstream sockets open through the proxy (a hung client counts once)."""
        with self._lock:
            return len(self._open)

    def cut(self) -> None:
        """Reset every connection open through the proxy."""
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            _reset(sock)

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._listener.close()
        self.cut()

    # --- serving ---------------------------------------------------------------------
    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._open.update(socks)

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            mode = self.mode
            if mode == "refuse":
                _reset(client)
            elif mode == "hang":
                self._track(client)
                threading.Thread(target=self._hold, args=(client,), daemon=True).start()
            else:
                threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _hold(self, client: socket.socket) -> None:
        """Read and drop whatever the client sends; answer nothing; close in the end."""
        client.settimeout(HANG_LIMIT_SECONDS)
        with contextlib.suppress(OSError):
            while client.recv(CHUNK):
                pass
        _reset(client)

    def _connect(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _reset(client)
            return
        server.settimeout(None)
        self._track(client, server)
        for source, sink in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(CHUNK):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _reset(source)
            _reset(sink)


@contextmanager
def fault_proxy(upstream_host: str, upstream_port: int) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream_host, upstream_port)
    try:
        yield proxy
    finally:
        proxy.close()
