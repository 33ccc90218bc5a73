"""Where a loaded server spends its time: py-spy samples summarised as text.

With BENCH_PROFILE=1 every measured load run is repeated once under
`py-spy record --subprocesses` (so the measured figure is never perturbed by
sampling). The raw collapsed stacks go to var/bench/profiles/, and a summary
(own time by package, the busiest functions, our code inclusive) is appended to
bench/results/profiles-<backend>.md.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SAMPLE_RATE_HZ = 100
# Grace on top of the recording before a hung py-spy is killed.
PYSPY_GRACE_S = 30.0
TOP_FUNCTIONS = 12
TOP_OURS = 10
OUR_PACKAGE = "syllabus"

# Leaves where a thread waits rather than works; py-spy's own idle detection
# misses some of them in --nonblocking mode. Counted apart, not as own time.
IDLE_LEAVES = frozenset(
    {
        "Condition.wait",
        "Event.wait",
        "Runner.run",
        "select",
        "poll",
        "Worker.sleep",
        "BaseProcess.sleep_for_interval",
        "Connection._recv",
        "WorkerThread.run",
    }
)

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


@dataclass(frozen=True)
class Frame:
    function: str
    file: str

    @property
    def package(self) -> str:
        """`sqlalchemy/orm/query.py` -> sqlalchemy; stdlib `json/decoder.py` -> json."""
        head = self.file.split("/", 1)[0]
        return head.removesuffix(".py") or "?"

    @property
    def label(self) -> str:
        return f"{self.function} ({self.file})"


def parse_frame(text: str) -> Frame:
    m = _FRAME.match(text.strip())
    if m is None:
        return Frame(text.strip(), "?")
    return Frame(m.group("func"), m.group("file"))


def read_collapsed(text: str) -> list[tuple[list[Frame], int]]:
    """py-spy's raw format: `frame;frame;... count` per line, process frames dropped."""
    stacks: list[tuple[list[Frame], int]] = []
    for line in text.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [parse_frame(f) for f in stack.split(";") if not f.startswith("process ")]
        if frames:
            stacks.append((frames, int(count)))
    return stacks


def _share(part: int, total: int) -> str:
    return f"{100 * part / total:.1f}%" if total else "0%"


def summarise(text: str, *, title: str, seconds: float) -> str:
    """A markdown section: where the sampled time went, leaf first, then our code."""
    stacks = read_collapsed(text)
    idle = sum(count for frames, count in stacks if frames[-1].function in IDLE_LEAVES)
    stacks = [(frames, n) for frames, n in stacks if frames[-1].function not in IDLE_LEAVES]
    total = sum(count for _, count in stacks)
    lines = [f"### {title}", ""]
    if total == 0:
        return "\n".join([*lines, "No samples (py-spy saw no busy thread).", ""])
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    ours_inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        leaf = frames[-1]
        by_package[leaf.package] += count
        by_function[leaf.label] += count
        # Inclusive: each of our functions counts once per sample it appears in.
        for label in {f.label for f in frames if f.package == OUR_PACKAGE}:
            ours_inclusive[label] += count
    lines.append(
        f"{total:,} busy samples in {seconds:g} s at {SAMPLE_RATE_HZ} Hz over all workers "
        f"({idle:,} waiting samples left out)."
    )
    lines.append("")
    packages = ", ".join(f"{pkg} {_share(n, total)}" for pkg, n in by_package.most_common(8))
    lines += [f"Own time by package: {packages}.", ""]
    lines += ["| own time | function |", "|---:|---|"]
    lines += [
        f"| {_share(n, total)} | `{fn}` |" for fn, n in by_function.most_common(TOP_FUNCTIONS)
    ]
    if ours_inclusive:
        lines += ["", "| inclusive | our function |", "|---:|---|"]
        lines += [
            f"| {_share(n, total)} | `{fn}` |" for fn, n in ours_inclusive.most_common(TOP_OURS)
        ]
    lines.append("")
    return "\n".join(lines)


def pyspy_path() -> str | None:
    """py-spy of this virtual environment first, then the PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


class Profiler:
    """Records the server's processes during a block and appends the summary."""

    def __init__(self, summary_file: Path, raw_dir: Path) -> None:
        self.summary_file = summary_file
        self.raw_dir = raw_dir
        self._count = 0

    def start_file(self, heading: str) -> None:
        self.summary_file.parent.mkdir(parents=True, exist_ok=True)
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        self.summary_file.write_text(f"# {heading}\n\n")

    @contextmanager
    def record(self, pid: int, seconds: float, title: str) -> Iterator[None]:
        """py-spy on `pid` and its children for `seconds` while the block runs."""
        exe = pyspy_path()
        if exe is None:
            raise RuntimeError("py-spy is not installed (make bench installs the bench extra)")
        self._count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
        raw = self.raw_dir / f"{self._count:02d}-{slug}.txt"
        duration = max(1, round(seconds))
        cmd = [exe, "record", "--pid", str(pid), "--subprocesses", "--nonblocking"]
        cmd += ["--rate", str(SAMPLE_RATE_HZ), "--duration", str(duration)]
        cmd += ["--format", "raw", "--output", str(raw)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            yield
        finally:
            try:
                _, err = proc.communicate(timeout=duration + PYSPY_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
        if proc.returncode != 0 or not raw.exists():
            message = err.decode(errors="replace").strip()[-300:]
            section = f"### {title}\n\npy-spy failed (exit {proc.returncode}): {message}\n\n"
        else:
            section = summarise(raw.read_text(), title=title, seconds=duration) + "\n"
        with self.summary_file.open("a") as out:
            out.write(section)
