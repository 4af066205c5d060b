"""Block Kit builders and their plain-text twins. No I/O: functions from data to messages."""
