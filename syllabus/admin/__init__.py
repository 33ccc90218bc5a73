"""Admin console: moderation, user management, refunds, reports, audit log."""
