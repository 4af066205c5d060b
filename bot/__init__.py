"""Opsdesk: run the day-to-day operations of a company from Slack."""

__version__ = "0.1.0"
