"""Backups of a whole deployment: database, pending jobs and media, in one archive.

`syllabus backup --to PATH` writes it (a folder, or one `.tar.gz`);
`syllabus restore --from PATH` puts it back into an empty deployment.
The archive layout and its manifest are described in `archive.py`.
"""

from __future__ import annotations

from syllabus.backup.archive import BackupError, Manifest, Progress
from syllabus.backup.runner import create_backup, restore_backup

__all__ = ["BackupError", "Manifest", "Progress", "create_backup", "restore_backup"]
