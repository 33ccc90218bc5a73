"""Demo data: `syllabus seed-demo` fills an empty install with a living marketplace."""

from syllabus.demo.seed import DemoLogin, DemoLogins, DemoSeedError, seed_demo

__all__ = ["DemoLogin", "DemoLogins", "DemoSeedError", "seed_demo"]
