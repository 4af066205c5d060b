"""Reports: figures and charts of a period, CSV exports, and the weekly report in a channel."""
