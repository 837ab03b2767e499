"""Notifications: an outbox of emails and in-app messages, sent once each by the scheduler."""
