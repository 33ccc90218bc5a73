"""Shared mechanisms with no business rules: database, errors, cache, queue, storage, mail."""
