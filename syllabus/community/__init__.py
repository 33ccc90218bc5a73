"""Reviews, lesson Q&A, direct messages and announcements."""
