"""Purchases: requests routed through an approval policy, decided with buttons, audited."""
