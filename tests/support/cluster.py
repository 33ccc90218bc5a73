"""A production-shaped Syllabus on loopback: nginx (deploy/nginx.conf) in front of web
processes, separate worker processes, one PostgreSQL, one Redis and an S3 endpoint.

Each process gets a data folder of its own, as it would on its own machine, so
anything they share goes through PostgreSQL, Redis or the bucket.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.providers.loopback import unused_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or next(
    (str(p) for p in [Path("/usr/sbin/nginx")] if p.exists()), None
)
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    data_dir: Path
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    nginx_port: int = field(default_factory=unused_port)
    processes: dict[str, Process] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def start(self, name: str, *args: str, port: int | None = None) -> Process:
        data_dir = self.root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        log = self.root / f"{name}.log"
        env = {**self.env, "SYLLABUS_DATA_DIR": str(data_dir)}
        with log.open("ab") as out:
            popen = subprocess.Popen(
                [sys.executable, "-m", "syllabus", *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
            )
        process = Process(name, popen, data_dir, log, port)
        self.processes[name] = process
        return process

    def start_web(self, name: str) -> Process:
        port = unused_port()
        return self.start(
            name,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-jobs",
            port=port,
        )

    def start_worker(self, name: str) -> Process:
        return self.start(name, "worker", "--threads", "2")

    def start_nginx(self, web: list[Process], s3_endpoint: str) -> Process:
        assert NGINX is not None
        folder = self.root / "nginx"
        folder.mkdir(exist_ok=True)
        conf = folder / "nginx.conf"
        conf.write_text(nginx_conf(folder, self.nginx_port, web, s3_endpoint))
        log = self.root / "nginx.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                [NGINX, "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        process = Process("nginx", popen, folder, log, self.nginx_port)
        self.processes["nginx"] = process
        return process

    def wait_until_up(self, process: Process, path: str = "/healthz") -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited:\n{process.output()}")
            try:
                if httpx.get(process.url + path, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{process.name} did not start:\n{process.output()}")

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.popen.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait(timeout=STOP_TIMEOUT_S)


def nginx_conf(folder: Path, port: int, web: list[Process], s3_endpoint: str) -> str:
    """deploy/nginx.conf with the compose names swapped for loopback addresses."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = "\n".join(
        f"        server 127.0.0.1:{p.port} max_fails=1 fail_timeout=5s;" for p in web
    )
    pid = f"pid {folder}/nginx.pid;"
    replacements = [
        ("        server web:8000 max_fails=1 fail_timeout=5s;", servers),
        ("server minio:9000;", f"server {s3_endpoint.removeprefix('http://')};"),
        ("listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;"),
        ("alias /srv/syllabus/static/;", f"alias {ROOT / 'syllabus' / 'web' / 'static'}/;"),
        ("error_log /dev/stderr warn;", f"error_log {folder}/error.log warn;\n{pid}"),
        ("access_log /dev/stdout;", f"access_log {folder}/access.log;\n{_temp_paths(folder)}"),
        ("worker_processes auto;", "worker_processes 2;"),
    ]
    for old, new in replacements:
        assert conf.count(old) == 1, f"deploy/nginx.conf no longer has {old!r}"
        conf = conf.replace(old, new)
    if os.geteuid() == 0:
        # As root nginx would hand its workers to `nobody`, who cannot enter pytest's folders.
        conf = "user root;\n" + conf
    return conf


def _temp_paths(folder: Path) -> str:
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    return "\n".join(f"    {kind}_temp_path {folder}/{kind}_temp;" for kind in kinds)
