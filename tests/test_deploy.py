"""deploy/: what can be checked without containers: nginx's own test, the compose
file's shape and settings, the Dockerfile's stages, and the package the image installs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from syllabus.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
# Debian puts nginx in /usr/sbin, which a plain user's PATH may not hold.
NGINX = shutil.which("nginx") or next(
    (str(p) for p in [Path("/usr/sbin/nginx")] if p.exists()), None
)


def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_runs_every_part_of_the_production_shape() -> None:
    services = compose()["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "minio",
        "bucket",
        "migrate",
        "web",
        "worker",
        "media-worker",
        "nginx",
    }
    assert services["migrate"]["command"] == ["syllabus", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "media-worker"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert "replicas" in services[name]["deploy"]
    assert services["web"]["command"] == ["syllabus", "serve", "--no-jobs"]
    # Transcoding apart from mail: each queue has workers of its own.
    assert services["worker"]["command"] == ["syllabus", "worker", "--queue", "default"]
    assert services["media-worker"]["command"] == ["syllabus", "worker", "--queue", "media"]
    # Only nginx is reachable from outside; web containers sit behind it.
    assert [name for name, s in services.items() if "ports" in s] == ["nginx"]
    # Workers finish the jobs in hand on compose's SIGTERM, given time to.
    for name in ("worker", "media-worker"):
        assert services[name].get("stop_signal", "SIGTERM") == "SIGTERM"
        assert services[name]["stop_grace_period"] in ("1m", "10m")


def test_every_setting_compose_gives_is_a_real_setting() -> None:
    known = {f"SYLLABUS_{name.upper()}" for name in Settings.model_fields}
    services = compose()["services"]
    given = {
        key
        for service in services.values()
        for key in (service.get("environment") or {})
        if key.startswith("SYLLABUS_")
    }
    assert given, "the Syllabus containers are configured through SYLLABUS_* settings"
    assert given <= known, f"not settings: {sorted(given - known)}"
    env = services["web"]["environment"]
    assert env["SYLLABUS_JOBS_IN_PROCESS"] == "false"
    assert env["SYLLABUS_STORAGE_BACKEND"] == "s3"
    assert env["SYLLABUS_DATABASE_URL"].startswith("postgresql://")
    assert env["SYLLABUS_REDIS_URL"].startswith("redis://")


def test_nginx_proxies_to_the_compose_services() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    services = compose()["services"]
    for host, port in re.findall(r"^\s*server ([a-z]+):(\d+)", conf, re.MULTILINE):
        assert host in services, f"nginx points at {host}, which compose does not run"
        assert port in {"8000", "9000"}
    bucket = services["web"]["environment"]["SYLLABUS_S3_BUCKET"]
    assert f"location /{bucket}/" in conf


@pytest.mark.skipif(NGINX is None, reason="nginx comes with `make system-deps`")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    # The upstream names resolve inside compose only; here they are the loopback.
    conf = (DEPLOY / "nginx.conf").read_text()
    conf = re.sub(r"server [a-z]+:(\d+)", r"server 127.0.0.1:\1", conf)
    path = tmp_path / "nginx.conf"
    path.write_text(conf)
    result = subprocess.run(
        [str(NGINX), "-t", "-c", str(path), "-p", str(tmp_path), "-g", f"pid {tmp_path}/x.pid;"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    assert "test is successful" in result.stderr


def test_the_dockerfile_builds_assets_and_runs_as_a_plain_user() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)$", text, re.MULTILINE)
    assert stages == ["assets", "build", "app", "nginx"]
    app_stage = text.split(" AS app\n", 1)[1].split("\nFROM ", 1)[0]
    users = re.findall(r"^USER (\S+)$", app_stage, re.MULTILINE)
    assert users == ["syllabus"]
    assert "scripts/vendor-assets.sh" in text
    # Every file copied from the build context exists in the repository.
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.MULTILINE):
        for source in sources.split():
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    # The context leaves local state out, and none of what the image copies.
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "node_modules", "var", ".git"} <= ignored
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.MULTILINE)
    for source in " ".join(copied).split():
        assert not any(source == i or source.startswith(i + "/") for i in ignored), source
    compose_targets = {s["build"]["target"] for s in compose()["services"].values() if "build" in s}
    assert compose_targets == {"app", "nginx"}


def test_the_installed_package_carries_templates_static_files_and_migrations(
    tmp_path: Path,
) -> None:
    """The image installs a wheel, not the source tree: it must hold every data file."""
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run(
        [*pip, "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("syllabus-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    versions = sorted(p.name for p in (ROOT / "syllabus/migrations/versions").glob("0*.py"))
    assert versions
    for name in versions:
        assert f"syllabus/migrations/versions/{name}" in names
    assert "syllabus/migrations/env.py" in names
    assert "syllabus/migrations/script.py.mako" in names
    assert "syllabus/web/templates/layouts/base.html" in names
    assert any(n.startswith("syllabus/web/static/") and n.endswith(".css") for n in names)
