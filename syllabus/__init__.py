"""Syllabus: a self-hosted online course marketplace and learning management system."""

__version__ = "0.1.0"
