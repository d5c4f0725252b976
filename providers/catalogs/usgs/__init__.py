"""USGS Machine-to-Machine (M2M): the login-token session (the provider lands with its own issue)."""
