"""Authentication: credential schemes and secret stores, the one token manager, OAuth sessions, request headers and URL signing."""
