"""Digests (scheduled channel summaries) and the App Home tab, assembled from all areas."""
