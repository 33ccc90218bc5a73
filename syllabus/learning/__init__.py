"""Enrollments, progress, completion and certificates."""
