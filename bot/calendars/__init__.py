"""Calendar feeds (RFC 5545): personal and team iCal feeds, and the tokens that open them."""
