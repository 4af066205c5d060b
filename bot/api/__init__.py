"""The read API: on-call, incidents and resources as JSON for scripts and dashboards."""
