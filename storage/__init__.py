"""Persistence: SQLAlchemy 2 models, repositories, sessions, migrations. No Slack here."""
