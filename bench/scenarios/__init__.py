"""One module per PERFORMANCE.md scenario: `sNN_<name>.py` with `run(ctx) -> list[Row]`."""
