"""Credentials as request headers: the one interface that the download engine, the catalogs
and the token manager share.

:class:`HeadersProvider` is asked for headers before each request (``headers(url)``) and,
once after a 401/403, to renew them (``refresh()`` → True when new credentials were
obtained, False when nothing better exists; a service that refuses fresh credentials raises
:class:`~.tokens.CredentialsRejectedError`).
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Optional


class HeadersProvider:
    """Auth headers for requests to one service (see the module docstring)."""

    def headers(self, url: Optional[str] = None) -> Dict[str, str]:
        return {}

    def params(self, url: Optional[str] = None) -> Dict[str, str]:
        """Credentials that go in the URL's query instead (CREODIAS ``?token=``); added to
        the request only, never to a URL that is shown, logged or stored."""
        return {}

    def refresh(self) -> bool:
        return False


class StaticHeaders(HeadersProvider):
    """Fixed headers, with an optional ``refresh`` callable returning the new headers."""

    def __init__(self, headers: Optional[Dict[str, str]] = None,
                 refresh: Optional[Callable[[], Optional[Dict[str, str]]]] = None):
        self._headers = dict(headers or {})
        self._refresh = refresh
        self._lock = threading.Lock()

    def headers(self, url: Optional[str] = None) -> Dict[str, str]:
        with self._lock:
            return dict(self._headers)

    def refresh(self) -> bool:
        if self._refresh is None:
            return False
        new = self._refresh()
        if not new:
            return False
        with self._lock:
            self._headers = dict(new)
        return True


class ProviderHeaders(HeadersProvider):
    """A provider's download credentials: ``provider.request_headers(url)``, renewed with
    ``provider.refresh_credentials()``."""

    def __init__(self, provider: Any):
        self.provider = provider

    def headers(self, url: Optional[str] = None) -> Dict[str, str]:
        return dict(self.provider.request_headers(url) or {})

    def params(self, url: Optional[str] = None) -> Dict[str, str]:
        request_params = getattr(self.provider, "request_params", None)
        return dict(request_params(url) or {}) if callable(request_params) else {}

    def refresh(self) -> bool:
        return bool(self.provider.refresh_credentials())


class ConnectionHeaders(HeadersProvider):
    """The token manager's headers for one connection. ``refresh()`` renews what this
    thread last sent (one renewal shared by every thread), or raises
    :class:`~.tokens.CredentialsRejectedError` when nothing better exists."""

    def __init__(self, manager: Any, connection: Any):
        self.manager = manager
        self.connection = connection
        self._local = threading.local()

    def headers(self, url: Optional[str] = None) -> Dict[str, str]:
        headers = self.manager.headers(self.connection)
        self._local.last = headers
        return dict(headers)

    def refresh(self) -> bool:
        headers = self.manager.refresh(self.connection, rejected=getattr(self._local, "last", None))
        self._local.last = headers
        return bool(headers)
