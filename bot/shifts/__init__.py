"""Shifts: rotations, overrides, reminders, hand-offs, who is on call."""
