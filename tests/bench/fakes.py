"""A Context with no server behind it, for testing row builders."""

from __future__ import annotations

from bench.harness import Context, ServerHandle


class FakeContext(Context):
    """Only the attributes rows need; no server behind it."""

    def __init__(self, hello_rps: float = 1000.0, courses: int = 100) -> None:
        self.backend = "sqlite"
        self.env = {}
        self.courses = courses
        self.base_url = "http://127.0.0.1:1"
        self.hello_rps = hello_rps
        self.duration = 1.0
        self.connections = 4
        self.workers = 1

    def restart(self, extra_env: dict[str, str] | None = None) -> None:
        raise NotImplementedError

    def server_pids(self) -> list[int]:
        return []

    def database_url(self) -> str:
        return "sqlite://"

    def dataset_server(self, courses: int, extra_env: dict[str, str] | None = None) -> ServerHandle:
        raise NotImplementedError
