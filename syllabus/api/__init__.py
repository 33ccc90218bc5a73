"""JSON API transport: routes are thin, services hold the rules."""
