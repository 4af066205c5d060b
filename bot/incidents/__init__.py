"""Incidents: raise, acknowledge, update, escalate and resolve, with a timeline and metrics."""
