"""Load scenarios and reference apps for the targets in PERFORMANCE.md (`make bench`)."""
