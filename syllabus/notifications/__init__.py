"""Notifications: the emails and in-app messages the platform sends to people."""
