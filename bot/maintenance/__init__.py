"""Maintenance windows: scheduled (once or recurring), blocking resources, with reminders."""
