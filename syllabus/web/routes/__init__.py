"""Routers for the server-rendered pages."""
