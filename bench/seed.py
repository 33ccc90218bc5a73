"""`python bench/seed.py --courses N`: the benchmark data generator, `syllabus seed-bench`.

The same command under the name PERFORMANCE.md gives it; every option of
`syllabus seed-bench --help` works here too. Run `syllabus migrate` first.
"""

from __future__ import annotations

import sys

from syllabus.cli import app


def main(argv: list[str] | None = None) -> None:
    app(["seed-bench", *(sys.argv[1:] if argv is None else argv)], prog_name="bench/seed.py")


if __name__ == "__main__":
    main()
